// The two places a secret meets request data: comparing a presented token with a configured one,
// and hashing a client IP.
//
// Token compares (ADMIN_TOKEN, DEBUG_TOKEN) go through sameSecret: both sides are hashed with
// SHA-256 first, so the compare always runs over 32 bytes and its time says nothing about the
// configured token's length or content (a plain `===` stops at the first differing character,
// and a length check before timingSafeEqual tells the length). The 32-byte compare is a XOR
// loop with no early exit; workerd's crypto.subtle.timingSafeEqual would do the same, but Node
// (the unit tests, the CLI) lacks it.
//
// IP hashes (the session's ipHash, the reset limiter's key) are HMAC-SHA-256 keyed by
// IP_HASH_SECRET, with the key rotated every UTC day: dayKey = HMAC(IP_HASH_SECRET, "ip-hash:"
// + YYYY-MM-DD), hash = HMAC(dayKey, ip). Without the secret nobody can test the 2^32 IPv4
// addresses against a stored hash (an unkeyed or public-salt SHA-256 falls in minutes), and
// two days' hashes of one IP share nothing a reader of the stored hashes can match: linking them
// takes the secret and a search of the address space (for IPv4, 2^32 HMACs per day). Consequences
// (docs/configuration.md, "IP_HASH_SECRET"): hashes are comparable within one UTC day only.
// The per-address counts look one day back (addressHashes), so a cap holds across midnight
// without a hash that lasts longer than a day.

import { hex } from "../shared/hex.ts";

const encoder = new TextEncoder();
const HMAC = { name: "HMAC", hash: "SHA-256" } as const;
/** Domain separation: the day key is only ever used for IP hashes. */
const DAY_KEY_LABEL = "ip-hash:";
const DAY_MS = 24 * 60 * 60 * 1000;

async function sha256(text: string): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** True when `given` equals `expected`, in time independent of where or whether they differ. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
	const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
	return diff === 0;
}

/** The UTC day `nowMs` falls in, as YYYY-MM-DD: the rotation period of the IP hash key. */
export function utcDay(nowMs: number): string {
	return new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

async function hmac(key: CryptoKey, text: string): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

function importHmacKey(raw: Uint8Array | string): Promise<CryptoKey> {
	const bytes = typeof raw === "string" ? encoder.encode(raw) : raw;
	return crypto.subtle.importKey("raw", bytes, HMAC, false, ["sign"]);
}

/**
 * The day keys in use, kept while their day and the secret last: today's, and yesterday's for
 * the per-address counts that look one day back (addressHashes). Two key derivations a day per
 * isolate for each.
 */
let kept: { secret: string; day: string; key: Promise<CryptoKey> }[] = [];
/** Today's and yesterday's: an isolate that meets a third day drops the oldest. */
const KEPT_DAY_KEYS = 2;

function dayKey(secret: string, day: string): Promise<CryptoKey> {
	const found = kept.find((k) => k.secret === secret && k.day === day);
	if (found !== undefined) return found.key;
	const key = importHmacKey(secret)
		.then((master) => hmac(master, `${DAY_KEY_LABEL}${day}`))
		.then(importHmacKey);
	const entry = { secret, day, key };
	kept = [entry, ...kept.filter((k) => k.secret === secret)].slice(0, KEPT_DAY_KEYS);
	// A failed derivation is not kept: the next call tries again.
	key.catch(() => {
		kept = kept.filter((k) => k !== entry);
	});
	return key;
}

/** The keyed hash of a client IP for the UTC day of `nowMs`, as 64 hex characters. */
export async function ipHash(secret: string, ip: string, nowMs: number): Promise<string> {
	return hex(await hmac(await dayKey(secret, utcDay(nowMs)), ip));
}

/**
 * One client's keyed hashes for the UTC day of `nowMs` (`today`, what a new entry is stored
 * under) and for the day before (`yesterday`, what the same client's entries made before the
 * last midnight carry). A per-address count that sums both holds across midnight UTC, where one
 * that counts today's alone starts afresh and lets an address hold its cap twice
 * (docs/decisions/160-per-address-limits-across-midnight.md). Nothing stores the two together:
 * the pair lives for one request.
 */
export async function addressHashes(
	secret: string,
	ip: string,
	nowMs: number,
): Promise<{ today: string; yesterday: string }> {
	const [today, yesterday] = await Promise.all([
		ipHash(secret, ip, nowMs),
		ipHash(secret, ip, nowMs - DAY_MS),
	]);
	return { today, yesterday };
}

/** Milliseconds since the last midnight UTC before `nowMs`. */
export function sinceMidnightMs(nowMs: number): number {
	return nowMs - Math.floor(nowMs / DAY_MS) * DAY_MS;
}
