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
import { bearer, lookup } from "../middleware/auth.ts";
import { meteredEnv } from "./bindings.ts";
import { costConfig } from "./config.ts";
import { openEntry, totalUsd } from "./ledger.ts";
import { costMeta, deferTo } from "./meta.ts";
import { requestUsage } from "./meter.ts";

/** Session tokens are 32 random bytes in hex (ids.ts newToken). */
const SESSION_TOKEN = /^[0-9a-f]{64}$/;

export const costLedger: MiddlewareHandler<AppEnv> = async (c, next) => {
	const state = { usage: requestUsage(), result: null };
	c.set("cost", state);
	c.env = meteredEnv(c.env, state.usage);
	const sessionId = await sessionOf(c);
	if (sessionId !== null) {
		const entry = await openEntry(c.env, sessionId, state.usage, deferTo(c));
		const config = costConfig(c.env);
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

/** The session the bearer token names, if any; never throws (routes decide whether a session is required). */
async function sessionOf(c: Ctx): Promise<string | null> {
	const token = bearer(c.req.header("authorization"));
	// Only what could be a session token costs a KV read (an operator's token never does).
	if (token === null || !SESSION_TOKEN.test(token)) return null;
	const session = await lookup(c.env.SESSIONS, token);
	if (session === null || Date.parse(session.expiresAt) <= Date.now()) return null;
	c.set("session", session);
	return session.sessionId;
}
