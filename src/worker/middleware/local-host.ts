// The Worker's check of the host and the page a local server answers (ENVIRONMENT=local:
// `npm start`, `npm run dev`): a request under a `Host`, or from a page (`Origin`), that is not
// this machine's is refused 403 `forbidden` naming what it saw, before the rate limits, the cost
// ledger or a route. The rule and why: src/shared/local-host.ts. Under `npm run dev` wrangler's
// proxy rewrites `Host` from a client's `MF-Original-URL` before the Worker sees it, so there the
// loopback front of scripts/dev-front.ts judges the raw header first (decision 176); here the
// `Origin` still holds and the check stays, so the Worker refuses what it can see whatever is in
// front of it (docs/decisions/164-production-refuses-unsafe-configuration.md). Outside
// ENVIRONMENT=local (config.localHosts null) nothing is checked: Cloudflare routes only the
// deploy's own hosts to it.

import type { Config } from "../../shared/config.ts";
import { localRequestProblem } from "../../shared/local-host.ts";
import { type Ctx, fail } from "../http.ts";

/** The 403 for a request under a host or from a page this local server does not answer; null to go on. */
export function foreignHostRefusal(c: Ctx, config: Config): Response | null {
	const allowed = config.localHosts;
	if (allowed === null) return null;
	const problem = localRequestProblem(c.req.header("host"), c.req.header("origin"), allowed);
	return problem === null ? null : fail(c, "forbidden", problem);
}
