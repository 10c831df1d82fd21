// The cost middleware, first on every request: starts the meter, hands the
// routes metered bindings, finds the request's session from its bearer token
// (on any route, public reads included, so a session's total is all of its
// traffic) and refuses with 503 cost_limit a session whose real spend would
// pass DEMO_COST_LIMIT.
//
// The refusal itself is a Worker invocation Cloudflare would bill, so it is
// charged like any request; past the limit a session costs one Worker request
// per call and nothing else (no object, D1, KV write or AE point). There is no
// Retry-After: a session's total never goes down, so waiting cannot help.

import type { MiddlewareHandler } from "hono";
import { costUsd, realUsd } from "../../domain/pricing.ts";
import { type AppEnv, type Ctx, fail } from "../http.ts";
import { resolveSession, type Session } from "../middleware/auth.ts";
import { meteredEnv } from "./bindings.ts";
import { openEntry, totalUsd } from "./ledger.ts";
import { costMeta, deferTo } from "./meta.ts";
import { requestUsage } from "./meter.ts";

export const costLedger: MiddlewareHandler<AppEnv> = async (c, next) => {
	const state = { usage: requestUsage(), result: null };
	c.set("cost", state);
	c.set("metaExtras", () => costMeta(c));
	c.env = meteredEnv(c.env, state.usage);
	const session = await sessionOf(c);
	if (session !== null) {
		const entry = openEntry(c.env, session, state.usage, deferTo(c));
		const config = c.get("config").cost;
		const wouldBe = realUsd(totalUsd(entry) + costUsd(state.usage), config.billingScale);
		if (wouldBe > config.limitUsd) {
			return fail(
				c,
				"cost_limit",
				`This session's modelled spend would be billed $${wouldBe.toFixed(2)}, past the demo cost limit of $${config.limitUsd.toFixed(2)}; start a new session.`,
			);
		}
	}
	await next();
	// A response without an envelope (a WebSocket upgrade) is still charged.
	costMeta(c);
};

/** The session the bearer token names, if any (resolved once per request, middleware/auth.ts). */
async function sessionOf(c: Ctx): Promise<Session | null> {
	return (await resolveSession(c)).session;
}
