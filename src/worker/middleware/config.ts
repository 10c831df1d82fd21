// The configuration, first on every request: parsed once per environment object
// (src/shared/config.ts) and handed to the routes as c.get("config"). While it is invalid the Worker
// serves nothing — every route, /healthz included, answers 503 `unavailable` naming the variable
// and what is wrong — rather than run on a fallback the operator never chose. No Retry-After:
// only a redeploy with a fixed configuration helps.

import type { MiddlewareHandler } from "hono";
import { configOf } from "../../shared/config.ts";
import { type AppEnv, fail } from "../http.ts";

export const loadConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
	const loaded = configOf(c.env);
	if (!loaded.ok) {
		return fail(c, "unavailable", `The server cannot serve: ${loaded.error.message}`);
	}
	c.set("config", loaded.config);
	await next();
};
