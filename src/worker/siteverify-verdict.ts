// What a Turnstile siteverify answer means for the buyer who sent the token: pure, so the rules
// are unit-tested without a network (test/unit/siteverify-verdict.test.ts). Whose failure it is
// decides the status: a token siteverify read and refused is the buyer's (403
// `turnstile_failed`, check again); an answer that verified nothing — unreadable, Cloudflare's
// own `internal-error`, or our own request or secret refused — is ours or Cloudflare's (503
// `unavailable`, retry), never blamed on the buyer. The codes are Cloudflare's documented table,
// developers.cloudflare.com/turnstile/get-started/server-side-validation/ ("Error codes");
// the choices: docs/decisions/084-turnstile-failures-admin-token-and-shard-ids.md.

export type VerifyOutcome =
	| { ok: true }
	/** The buyer's token was read and refused: 403 `turnstile_failed`. */
	| { ok: false; reason: "rejected"; detail: string }
	/** Nothing was verified, through no fault of the buyer's: 503 `unavailable`. */
	| { ok: false; reason: "unavailable"; detail: string }
	/** siteverify refused our own secret or request: 503, and the operator must act. */
	| { ok: false; reason: "misconfigured"; detail: string };

/** The token itself: missing, invalid or expired, or already spent. */
const BUYER_CODES: ReadonlySet<string> = new Set([
	"missing-input-response",
	"invalid-input-response",
	"timeout-or-duplicate",
]);
/** The operator's secret (TURNSTILE_SECRET_KEY) or this server's request: nothing a buyer can fix. */
const OUR_CODES: ReadonlySet<string> = new Set([
	"missing-input-secret",
	"invalid-input-secret",
	"bad-request",
]);
/** Cloudflare's own failure; "the request can be retried". */
const CLOUDFLARE_CODES: ReadonlySet<string> = new Set(["internal-error"]);

/** Codes an answer's detail names, at most; the rest are counted. */
export const MAX_REPORTED_CODES = 3;
/** Characters of one code a detail keeps (the documented codes have at most 22). */
export const MAX_CODE_CHARS = 40;

/**
 * The verdict on siteverify's JSON (already parsed; `undefined` when the body could not be read
 * or was not JSON). `success: true` passes; a readable refusal is the buyer's unless one of its
 * codes is ours or Cloudflare's; anything not in siteverify's documented shape verified nothing.
 */
export function judgeSiteverify(answer: unknown, accepted?: readonly string[]): VerifyOutcome {
	if (typeof answer !== "object" || answer === null || Array.isArray(answer))
		return { ok: false, reason: "unavailable", detail: "siteverify answered no JSON object" };
	const { success } = answer as { success?: unknown };
	if (success === true)
		return accepted === undefined ? { ok: true } : judgeHostname(answer, accepted);
	if (success !== false)
		return { ok: false, reason: "unavailable", detail: "siteverify answered without `success`" };
	const raw = (answer as { "error-codes"?: unknown })["error-codes"];
	const codes = Array.isArray(raw) ? raw.filter((c): c is string => typeof c === "string") : [];
	const ours = codes.filter((c) => OUR_CODES.has(c));
	if (ours.length > 0) return { ok: false, reason: "misconfigured", detail: namedCodes(ours) };
	const cloudflare = codes.filter((c) => CLOUDFLARE_CODES.has(c));
	if (cloudflare.length > 0)
		return { ok: false, reason: "unavailable", detail: namedCodes(cloudflare) };
	// The token's own codes first: a reader sees why the check failed before any code we do not know.
	const buyerFirst = [
		...codes.filter((c) => BUYER_CODES.has(c)),
		...codes.filter((c) => !BUYER_CODES.has(c)),
	];
	return { ok: false, reason: "rejected", detail: namedCodes(buyerFirst) || "not verified" };
}

/** Loopback names: a page on this machine may be opened as any of them (`npm start`, tests). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/**
 * A passed token is this site's only if siteverify's `hostname` — where the widget was solved — is
 * one the site accepts (TURNSTILE_HOSTNAMES, or the request's own host): a site key may list
 * several hostnames, and a page anywhere may embed a public site key, so a token solved there
 * would otherwise open a session here (Cloudflare's server-side validation page recommends the
 * check). A loopback name accepts any loopback name. An answer without `hostname` passes:
 * Cloudflare's always carry it, and only a site named and not ours is refused.
 */
function judgeHostname(answer: object, accepted: readonly string[]): VerifyOutcome {
	const { hostname } = answer as { hostname?: unknown };
	if (typeof hostname !== "string") return { ok: true };
	const host = hostname.toLowerCase();
	if (accepted.includes(host)) return { ok: true };
	if (LOOPBACK_HOSTS.has(host) && accepted.some((name) => LOOPBACK_HOSTS.has(name)))
		return { ok: true };
	return {
		ok: false,
		reason: "rejected",
		detail: `it was solved on another site, ${namedCodes([hostname]) || "unnamed"}`,
	};
}

/**
 * A few codes, each cut short and kept to printable ASCII, for a message a buyer or a log reads:
 * siteverify's answer is not ours to echo at any length.
 */
export function namedCodes(codes: readonly string[]): string {
	const shown = codes.slice(0, MAX_REPORTED_CODES).map((code) => {
		const printable = code.replace(/[^\x20-\x7e]/g, "?");
		return printable.length > MAX_CODE_CHARS ? `${printable.slice(0, MAX_CODE_CHARS)}…` : printable;
	});
	const more = codes.length - shown.length;
	return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
