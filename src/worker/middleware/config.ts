// The configuration, first on every request: parsed once per environment object
// (src/shared/config.ts) and handed to the routes as c.get("config"). While it is invalid the Worker
// serves nothing — every route, /healthz included, answers 503 `unavailable` naming the variable
// and what is wrong — rather than run on a fallback the operator never chose. No Retry-After:
// only a redeploy with a fixed configuration helps.

import { configOf } from "../../shared/config.ts";
import { type Ctx, fail } from "../http.ts";

/**
 * Sets c.get("config"), or answers the 503 while the configuration is invalid. Synchronous (the
 * edge's first middleware calls it, worker/app.ts): null means go on.
 */
export function loadConfig(c: Ctx): Response | null {
	const loaded = configOf(c.env);
	if (!loaded.ok) {
		return fail(c, "unavailable", `The server cannot serve: ${loaded.error.message}`);
	}
	c.set("config", loaded.config);
	return null;
}
