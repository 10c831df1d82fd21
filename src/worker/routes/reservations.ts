import { Hono } from "hono";
import { SANDBOX_EVENTUAL_ALLOCATIONS_MAX } from "../../domain/bounds.ts";
import { shardOf } from "../../domain/escrow.ts";
import type { ReserveAnswer, ReserveRequest, ReserveResult } from "../../inventory/rpc.ts";
import { bodyWithinBound, parseBody } from "../body.ts";
import { isKnownSku, requireKnownSku } from "../catalogue.ts";
import { recordDecision } from "../cost/analytics.ts";
import { deferTo } from "../cost/meta.ts";
import { refuseAfterBody } from "../cost/middleware.ts";
import {
	edgeRejection,
	forgetSnapshot,
	freshSnapshot,
	freshSoldOut,
	hasRead,
	refreshAhead,
	refreshDue,
	rememberShards,
	rememberSnapshot,
	rememberSoldOut,
	seedDue,
	shardsOf,
} from "../edge-snapshot.ts";
import { reserveEventual } from "../eventual.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { idempotencyKey } from "../idempotency.ts";
import { newId, ownerOfId } from "../ids.ts";
import { inventory } from "../inventory-stub.ts";
import { requireKnownShard } from "../known-shard.ts";
import { requireOwnSession, requireSession } from "../middleware/auth.ts";
import {
	attemptArrivedAtMs,
	countEdgeAnswer,
	countEdgeLatency,
	reserveLimits,
} from "../middleware/ratelimit.ts";
import { sandboxAddressRefusal, sandboxLimits } from "../middleware/sandbox-limits.ts";
import { answerReserve } from "../reserve-answer.ts";
import { plainReserveBody, ReserveBody } from "../reserve-body.ts";
import { edgeCoalescer } from "../reserve-coalescer.ts";
import { sandboxSku } from "../sandbox.ts";

/** A timer of the calling request: a coalesced attempt only ever waits on its own timers. */
function ownTimer(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A waiter's look: a callback of the calling request's own timer, no promise per look. */
function ownTimerCallback(ms: number, fn: () => void): void {
	setTimeout(fn, ms);
}

/** A batch's leader stays alive until its call is answered, even if its own client left. */
function keepAlive(c: Ctx, p: Promise<unknown>): void {
	try {
		c.executionCtx.waitUntil(p.catch(() => undefined));
	} catch {
		// No execution context (a direct app.fetch without one): the promise runs all the same.
	}
}

export const reservations = new Hono<AppEnv>();
// A reserve needs a live session; a hold's own routes (read, cancel) take its owner's session
// also after it ended, within its grace, as the hold may outlive it (middleware/auth.ts).
reservations.use("/", requireSession);
reservations.use("/:id", requireOwnSession);

reservations.post("/", async (c) => {
	const body = await parseBody(c, ReserveBody, { plain: plainReserveBody });
	const key = idempotencyKey(c);
	// A session past DEMO_COST_LIMIT: refused now that its input was found good (cost/middleware.ts).
	refuseAfterBody(c);
	const session = c.get("session");
	if (session === undefined) throw new ApiError("unauthorized");
	const quantity = body.quantity ?? 1;
	// An unknown SKU is refused here: no object call, and nothing tallied for it below.
	if (!isKnownSku(body.sku)) await requireKnownSku(c, body.sku);
	// A presenter's stampede on their own sandbox (docs/demo.md, step 3) is the point of
	// the demo, not abuse: the caller's own private SKU has no bot tiers, and a budget of its
	// own in place of the buyer's 200 a minute: RATE_LIMIT_SANDBOX a window for the session
	// (kept by the sandbox's object) and RATE_LIMIT_SANDBOX_IP for its address, both counting
	// the attempts that reach the object or D1, not the edge's own answers. Everyone else's
	// attempts on it are limited as usual (docs/decisions/012-sandbox-exemption.md,
	// docs/decisions/163-a-sandbox-bounded.md).
	const ownSandbox =
		body.sku.startsWith("SBX-") && body.sku === (await sandboxSku(session.sessionId));
	const addressRefusal = () => (ownSandbox ? sandboxAddressRefusal(c) : null);
	const limits = ownSandbox ? sandboxLimits(c) : reserveLimits(c);
	// The sandbox's one count has no tiers: its refusal says so, not "has not viewed this product".
	const answered = (r: ReserveResult): ReserveResult =>
		ownSandbox && !r.ok && r.code === "rate_limited"
			? { ...r, refusal: { ...r.refusal, tier: "verified", flag: null } }
			: r;
	if (body.mode === "eventual") {
		const refused = addressRefusal();
		if (refused !== null) return refused;
		// The naive D1 path of the demo (worker/eventual.ts): oversells on purpose. The same
		// per-session limit as the safe path, kept by the SKU's object, after a keyed replay;
		// then the waiting room's gate and the purchase limit, as on the safe path.
		const eventual = await reserveEventual(c.env, {
			sku: body.sku,
			sessionId: session.sessionId,
			quantity,
			idempotencyKey: key,
			countEarlierAllocations: !ownSandbox,
			allocationsMax: ownSandbox ? SANDBOX_EVENTUAL_ALLOCATIONS_MAX : null,
			arrivedAtMs: attemptArrivedAtMs(c),
			limits,
		});
		recordDecision(c, {
			sku: body.sku,
			mode: "eventual",
			outcome: eventual.ok ? "reserved" : eventual.code,
			quantity,
		});
		return answerReserve(c, body.sku, answered(eventual));
	}
	const arrivedAtMs = c.get("startedAtMs");
	// Answers that need no decision come from the edge's fresh copy of the SKU's
	// state (worker/edge-snapshot.ts). Only for attempts without an
	// Idempotency-Key: a keyed attempt may be a replay of a hold, which only the
	// object knows.
	if (key === null) {
		const snapshot = freshSnapshot(body.sku, arrivedAtMs);
		// A split SKU's shard said the whole SKU is sold out (its sold-out memo): the same answer
		// as a copy that says so, for the same bound (docs/decisions/020-escrow-shards.md).
		const rejection =
			snapshot !== null
				? edgeRejection(snapshot, quantity, arrivedAtMs)
				: freshSoldOut(body.sku, arrivedAtMs)
					? "sold_out"
					: null;
		if (rejection !== null) {
			// The copy kept fresh ahead of its bound; a split SKU answered from a shard's memo gets a
			// copy (its first, or a new one for one gone stale), the coordinator's merge of every
			// shard, so the edge's answer outlives the memo.
			if (
				refreshDue(body.sku, arrivedAtMs) ||
				(snapshot === null && seedDue(body.sku, arrivedAtMs))
			)
				refreshAhead(
					body.sku,
					arrivedAtMs,
					() => inventory(c.env, body.sku).snapshot(),
					deferTo(c),
				);
			countEdgeAnswer(c, body.sku, rejection);
			recordDecision(c, { sku: body.sku, mode: "safe", outcome: rejection, quantity });
			countEdgeLatency(c, body.sku, Date.now() - arrivedAtMs);
			return fail(c, rejection);
		}
	}
	const refused = addressRefusal();
	if (refused !== null) return refused;
	// A SKU split across shards: the session's own shard (docs/decisions/020-escrow-shards.md).
	// Until this isolate knows the SKU is split it asks shard 0, the SKU's own object, which
	// answers a misrouted call with the shard count and decides nothing.
	const attemptOn = (shard: number): ReserveRequest => ({
		id: newId("rsv", body.sku, shard),
		sessionId: session.sessionId,
		quantity,
		idempotencyKey: key,
		arrivedAtMs: limits === null ? arrivedAtMs : attemptArrivedAtMs(c),
		priorRead: hasRead(body.sku, session.sessionId),
	});
	// When the call that decided this attempt was sent: the state its answer carries was taken
	// no earlier, so the edge counts that copy's age from here (worker/edge-snapshot.ts).
	let sentAtMs = 0;
	const call = (shards: number) => {
		const shard = shardOf(session.sessionId, shards);
		sentAtMs = Date.now();
		return inventory(c.env, body.sku, shard).reserveWithMeta([attemptOn(shard)], limits);
	};
	// The attempts arriving together for one object share one call (worker/reserve-coalescer.ts).
	const coalesced = async (batchKey: string, shard: number) => {
		const env = c.env;
		const got = await edgeCoalescer.reserve(batchKey, attemptOn(shard), limits, {
			send: (attempts, batchLimits) =>
				inventory(env, body.sku, shard).reserveWithMeta(attempts, batchLimits),
			sleep: ownTimer,
			after: ownTimerCallback,
			nowMs: Date.now,
			defer: (p) => keepAlive(c, p),
		});
		sentAtMs = got.sentAtMs;
		return got;
	};
	const shards = shardsOf(body.sku);
	let answer: ReserveAnswer;
	let index = 0;
	if (shards === 1) {
		// One SKU object (as far as this isolate knows).
		({ answer, index } = await coalesced(body.sku, 0));
	} else if (key === null) {
		// A split SKU: the unkeyed attempts of one shard share its calls, as a one-object SKU's do —
		// those no edge answer serves (a room that gates, decision 106) and those that arrive while
		// the edge's copy is being refreshed (docs/decisions/114-unkeyed-attempts-on-a-room-sku.md,
		// docs/decisions/145-a-split-skus-sold-out-at-the-edge.md).
		const shard = shardOf(session.sessionId, shards);
		({ answer, index } = await coalesced(`${body.sku}\u0000${shard}`, shard));
	} else answer = await call(shards);
	if (answer.misrouted === true && answer.shards !== undefined) {
		rememberShards(body.sku, answer.shards);
		answer = await call(answer.shards);
		index = 0;
		if (answer.misrouted === true) throw new Error("the shard count of a SKU changed");
	}
	rememberShards(body.sku, answer.shards);
	if (answer.skuSoldOutForMs !== undefined) {
		rememberSoldOut(body.sku, sentAtMs, answer.skuSoldOutForMs);
		// A shard's answer carries no copy of the SKU: the coordinator's (a first, or a new one for
		// one gone stale) comes in the background, before the memo ends (docs/decisions/145-a-split-skus-sold-out-at-the-edge.md).
		const nowMs = Date.now();
		if (refreshDue(body.sku, nowMs) || seedDue(body.sku, nowMs))
			refreshAhead(body.sku, nowMs, () => inventory(c.env, body.sku).snapshot(), deferTo(c));
	}
	if (answer.snapshot !== null) rememberSnapshot(body.sku, answer.snapshot, sentAtMs);
	const result = answer.results[index];
	if (result === undefined) throw new Error("the inventory object returned no result");
	recordDecision(c, {
		sku: body.sku,
		mode: "safe",
		outcome: result.ok ? "reserved" : result.code,
		quantity,
	});
	// Tallies are delivered to the SKU's object: none for a SKU without one (D1 was down above).
	if (result.ok || result.code !== "unknown_sku")
		countEdgeLatency(c, body.sku, Date.now() - arrivedAtMs);
	return answerReserve(c, body.sku, answered(result));
});

async function ownedSku(
	c: Ctx,
): Promise<{ id: string; sku: string; shard: number; sessionId: string }> {
	const id = c.req.param("id") ?? "";
	const owner = ownerOfId(id, "rsv");
	const session = c.get("session");
	if (owner === null || session === undefined)
		throw new ApiError("not_found", "No reservation has that id.");
	const notFound = "No reservation of this session has that id.";
	await requireKnownSku(c, owner.sku, "not_found", notFound);
	await requireKnownShard(c, owner.sku, owner.shard, notFound);
	return { id, ...owner, sessionId: session.sessionId };
}

reservations.get("/:id", async (c) => {
	const { id, sku, shard, sessionId } = await ownedSku(c);
	const result = await inventory(c.env, sku, shard).reservation(id, sessionId);
	if (!result.ok) return fail(c, "not_found", "No reservation of this session has that id.");
	return ok(c, result.reservation);
});

reservations.delete("/:id", bodyWithinBound, async (c) => {
	const { id, sku, shard, sessionId } = await ownedSku(c);
	const result = await inventory(c.env, sku, shard).cancel(id, sessionId);
	// Units came back: this isolate's next attempt asks the object, not an outdated copy, and a
	// reserve answer taken before the cancel and collected after it is not kept either.
	if (result.ok) forgetSnapshot(sku, Date.now());
	if (result.ok) return ok(c, result.reservation);
	if (result.code === "not_found")
		return fail(c, "not_found", "No reservation of this session has that id.");
	return fail(
		c,
		result.code,
		`The reservation is ${result.reservation.status} and cannot be cancelled.`,
	);
});
