// How the Worker under `npm run dev` knows a request came through the loopback front on PORT
// (scripts/dev-front.ts) rather than straight to wrangler dev's own port behind it
// (docs/decisions/182-wrangler-devs-port-answers-only-the-front.md). wrangler's proxy rewrites
// `Host` from a client's `MF-Original-URL`, so on its port a DNS-rebinding page's GET looks local
// to the Worker; only the front sees the browser's raw `Host`. scripts/dev.ts draws a secret at
// each start and gives it to the Worker as DEV_FRONT_SECRET; the front sends it in this header on
// every request and upgrade it forwards; the Worker, when the variable is set, refuses a request
// without it and drops the header before anything else reads the request
// (src/worker/middleware/dev-front.ts). No Workers or Node types: both sides import it.

/** The header the front adds (lower case, as both runtimes hand header names over). */
export const DEV_FRONT_HEADER = "x-dev-front-secret";

/** 128 bits or more, as IP_HASH_SECRET; scripts/dev.ts draws 32 random bytes (64 hex characters). */
export const MIN_DEV_FRONT_SECRET_CHARS = 32;
/** A header value's bound, as a bearer token's (src/shared/bearer-token.ts). */
export const MAX_DEV_FRONT_SECRET_CHARS = 512;
/** A header value no proxy would cut: visible ASCII, no white space. */
const DEV_FRONT_SECRET_SHAPE = new RegExp(
	`^[\\x21-\\x7e]{${MIN_DEV_FRONT_SECRET_CHARS},${MAX_DEV_FRONT_SECRET_CHARS}}$`,
);

/** Null when `secret` can be the front's secret; else what is wrong, without echoing it. */
export function devFrontSecretProblem(secret: string): string | null {
	if (DEV_FRONT_SECRET_SHAPE.test(secret)) return null;
	return `must be ${MIN_DEV_FRONT_SECRET_CHARS} to ${MAX_DEV_FRONT_SECRET_CHARS} visible ASCII characters without white space (\`npm run dev\` draws one at each start); it has ${secret.length} characters`;
}
