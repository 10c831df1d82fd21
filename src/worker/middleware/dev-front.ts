// Under `npm run dev` the Worker answers only what its loopback front forwards
// (docs/decisions/182-wrangler-devs-port-answers-only-the-front.md). wrangler dev listens behind
// the front on a private loopback port whose proxy rewrites `Host` from a client's
// `MF-Original-URL`, so the Worker's own host check (middleware/local-host.ts) cannot see a
// rebinding page's raw `Host` there; the front (scripts/dev-front.ts) can, and sends the secret
// scripts/dev.ts drew for this start (DEV_FRONT_SECRET) with every request it lets through. A
// request without it, or with another value, reached wrangler's port some other way: 403
// `forbidden`, before the host check, the rate limits, the cost ledger or a route. The header is
// then dropped from the request the routes see, so nothing downstream (an object a route forwards
// the request to, a log) ever holds the secret. Unset (`npm start`, the tests, production): this
// is never called.

import { DEV_FRONT_HEADER } from "../../shared/dev-front-secret.ts";
import { type Ctx, fail } from "../http.ts";
import { sameSecret } from "../secrets.ts";

const NOT_THROUGH_THE_FRONT =
	"This development server answers only through the loopback front `npm run dev` listens on (PORT); this request reached wrangler dev's own port behind it, as a page reaching it by DNS rebinding would. Use the address `npm run dev` printed as running.";

/**
 * Null when the request carries the front's secret (the header then dropped from c.req.raw);
 * else the 403. Compared in time independent of the value (secrets.ts sameSecret).
 */
export async function notThroughFront(c: Ctx, secret: string): Promise<Response | null> {
	const given = c.req.raw.headers.get(DEV_FRONT_HEADER);
	if (given === null || !(await sameSecret(given, secret)))
		return fail(c, "forbidden", NOT_THROUGH_THE_FRONT);
	// A request's own headers cannot be changed in workerd: the routes get a copy without it.
	const headers = new Headers(c.req.raw.headers);
	headers.delete(DEV_FRONT_HEADER);
	c.req.raw = new Request(c.req.raw, { headers });
	return null;
}
