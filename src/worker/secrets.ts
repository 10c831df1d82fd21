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
// even the secret's holder cannot link one IP's hashes across days. Consequences
// (docs/configuration.md, "IP_HASH_SECRET"): hashes are comparable within one UTC day only.

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

/** Today's key, kept while the day and the secret last: two key derivations a day per isolate. */
let current: { secret: string; day: string; key: Promise<CryptoKey> } | null = null;

function dayKey(secret: string, day: string): Promise<CryptoKey> {
	if (current?.secret === secret && current.day === day) return current.key;
	const key = importHmacKey(secret)
		.then((master) => hmac(master, `${DAY_KEY_LABEL}${day}`))
		.then(importHmacKey);
	current = { secret, day, key };
	// A failed derivation is not kept: the next call tries again.
	key.catch(() => {
		if (current?.key === key) current = null;
	});
	return key;
}

/** The keyed hash of a client IP for the UTC day of `nowMs`, as 64 hex characters. */
export async function ipHash(secret: string, ip: string, nowMs: number): Promise<string> {
	return hex(await hmac(await dayKey(secret, utcDay(nowMs)), ip));
}
