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
//
// Two exceptions (docs/decisions/106-room-answers-limits-and-the-cost-lock.md): the session may
// still read and cancel its own holds, a bounded number of times (a cancel gives units back to
// other buyers, and no new session can reach those holds), and the routes that read a body
// judge it first, so bad input gets its 4xx before the 503.

import type { Next } from "hono";
import { costUsd, realUsd } from "../../domain/pricing.ts";
import type { UsageCounts } from "../../shared/types.ts";
import { ApiError, type Ctx, fail } from "../http.ts";
import { optionalSession, type Session } from "../middleware/auth.ts";
import { meteredEnv } from "./bindings.ts";
import { openEntry, totalUsd } from "./ledger.ts";
import { costMeta, deferTo } from "./meta.ts";
import { requestUsage } from "./meter.ts";

/**
 * Calls to read (`GET`) or cancel (`DELETE`) one of its own holds that a session past the limit
 * may still make, per isolate: enough to cancel every hold a buyer can have on a few drops and
 * look at them, and a bound, since each is an object call the limit exists to stop.
 */
export const MAX_HOLD_CALLS_PAST_COST_LIMIT = 20;

/** `GET`/`DELETE /api/reservations/:id`: its own hold (routes/reservations.ts checks the owner). */
const OWN_HOLD = /^\/api\/reservations\/[^/]+$/;
/** Routes whose handler reads its body first and then calls refuseAfterBody. */
const BODY_FIRST = new Set(["POST /api/reservations", "POST /api/checkout"]);

/**
 * Not an async function: a request whose session is known without I/O (none, or cached in this
 * isolate: every request but a session's first) goes straight on to `next` with no promise of its
 * own, which every request, /healthz included, would pay (docs/hot-path/edge-cost.md, "What every request
 * pays"). Answers the refusal, or what `next` answers.
 */
export function costLedger(c: Ctx, next: Next): Promise<Response | undefined> {
	const usage = requestUsage();
	c.set("cost", { usage, result: null });
	c.set("metaExtras", () => costMeta(c));
	c.env = meteredEnv(c.env, usage);
	// A KV outage reads as no session here (optionalSession): the request is metered and goes on,
	// and a route that needs the session answers the outage itself.
	// An ended session in its grace is judged too: it may still pay and cancel what it owns
	// (requireOwnSession), and the limit's refusals and exceptions hold for it as for a live one.
	const session = optionalSession(c, true);
	if (!(session instanceof Promise)) return admit(c, usage, session, next);
	return session.then((known) => admit(c, usage, known, next));
}

function admit(
	c: Ctx,
	usage: UsageCounts,
	session: Session | null,
	next: Next,
): Promise<Response | undefined> {
	if (session !== null) {
		const entry = openEntry(c.env, session, usage, deferTo(c));
		const config = c.get("config").cost;
		const wouldBe = realUsd(totalUsd(entry) + costUsd(usage), config.billingScale);
		if (wouldBe > config.limitUsd) {
			const method = c.req.method;
			const path = c.req.path;
			const holdCallsLeft = entry.holdCallsPastLimit < MAX_HOLD_CALLS_PAST_COST_LIMIT;
			const sentence = `This session's modelled spend would be billed $${wouldBe.toFixed(2)}, past the demo cost limit of $${config.limitUsd.toFixed(2)}; start a new session. ${holdCallsLeft ? "This one may still read and cancel its holds (GET and DELETE /api/reservations/:id); holds it leaves" : "Its holds"} end at their expiresAt.`;
			if ((method === "GET" || method === "DELETE") && OWN_HOLD.test(path) && holdCallsLeft) {
				entry.holdCallsPastLimit += 1;
			} else if (BODY_FIRST.has(`${method} ${path}`)) {
				c.set("costRefusal", sentence);
			} else {
				return Promise.resolve(fail(c, "cost_limit", sentence));
			}
		}
	}
	return next().then(() => {
		// A response without an envelope (a WebSocket upgrade) is still charged.
		costMeta(c);
		return undefined;
	});
}

/**
 * A route that reads its body calls this once the body is good: a session past the limit is
 * refused there (503 `cost_limit`) before anything is decided, bad input having had its 4xx.
 */
export function refuseAfterBody(c: Ctx): void {
	const sentence = c.get("costRefusal");
	if (sentence !== undefined) throw new ApiError("cost_limit", sentence);
}
