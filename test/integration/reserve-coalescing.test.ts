// Edge coalescing (src/worker/reserve-coalescer.ts): reserve attempts that reach one
// isolate for one SKU together travel to its object in one call, and each is answered
// exactly as if it had gone alone. A waiter whose answer is late sends its attempt
// again with the same id; the object answers that repeat with the first decision
// (src/domain/attempt-memo.ts) and never takes a second hold.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { ReserveRequest, ReserveResult } from "../../src/inventory/rpc.ts";
import { newId } from "../../src/worker/ids.ts";
import { edgeCoalescer } from "../../src/worker/reserve-coalescer.ts";
import { call, createProduct, newSession, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const coalesced = (id: string, sessionId: string, key: string | null = null): ReserveRequest => ({
	id: `rsv_${id}`,
	sessionId,
	quantity: 1,
	idempotencyKey: key,
	coalesced: true,
});
const repeat = (a: ReserveRequest): ReserveRequest => ({ ...a, repeat: true });

/** One session's attempts as the buyer sends them: with or without an Idempotency-Key. */
type Plan = { keys: (string | null)[] };

/** Per session, the sorted (status, code) of its answers. */
type Tally = string[][];

async function runPlans(
	sku: string,
	plans: Plan[],
	together: boolean,
): Promise<{ tally: Tally; bodies: Record<string, unknown>[][] }> {
	const tokens = await Promise.all(plans.map(() => newSession()));
	const send = (token: string, key: string | null) =>
		call("POST", "/api/reservations", {
			token,
			body: { sku },
			headers: key === null ? {} : { "idempotency-key": key },
		});
	const answers: { status: number; body: Record<string, unknown> }[][] = plans.map(() => []);
	if (together) {
		// Every attempt of every session at once: they reach the isolate in one turn.
		const all = plans.flatMap((plan, s) =>
			plan.keys.map(async (key) => {
				const res = await send(tokens[s] as string, key);
				answers[s]?.push({ status: res.status, body: res.body as Record<string, unknown> });
			}),
		);
		await Promise.all(all);
	} else {
		for (const [s, plan] of plans.entries()) {
			for (const key of plan.keys) {
				const res = await send(tokens[s] as string, key);
				answers[s]?.push({ status: res.status, body: res.body as Record<string, unknown> });
			}
		}
	}
	const tally = answers.map((list) =>
		list
			.map((a) => `${a.status} ${(a.body.error as { code?: string } | undefined)?.code ?? "ok"}`)
			.sort(),
	);
	return { tally, bodies: answers.map((list) => list.map((a) => a.body)) };
}

describe("edge coalescing", () => {
	it("answers attempts sent together exactly as one at a time: limits, replays, holds", async () => {
		// Plenty of stock: only the per-session limit and the keys decide, so arrival order inside
		// the batch cannot change any session's answers.
		const plans: Plan[] = [
			{ keys: [null, null, null, null] }, // two over the per-session limit of 2
			{ keys: ["same", "same", "same", null] }, // one keyed hold, replayed twice, plus one more
			{ keys: ["k1", "k2", "k3"] }, // the third over the limit, stored as its key's outcome
			{ keys: [null] },
		];
		const callsBefore = edgeCoalescer.counts.calls;
		const attemptsBefore = edgeCoalescer.counts.attempts;
		const alone = await createProduct({ totalStock: 100, perUserLimit: 2 });
		const sequential = await runPlans(alone, plans, false);
		const grouped = await createProduct({ totalStock: 100, perUserLimit: 2 });
		const concurrent = await runPlans(grouped, plans, true);

		expect(concurrent.tally).toEqual(sequential.tally);
		// No 5xx anywhere.
		for (const list of concurrent.tally)
			for (const a of list) expect(Number(a.slice(0, 3))).toBeLessThan(500);
		// The keyed replays answer with the very reservation of the first: session 1 holds two
		// units, the keyed one (answered three times) and the unkeyed one.
		const ids = new Set(
			(concurrent.bodies[1] ?? []).map((b) => (b.data as { reservationId: string }).reservationId),
		);
		expect(ids.size).toBe(2);
		// The records agree: the same units held either way, nothing oversold.
		const [a, b] = [await stats(alone), await stats(grouped)];
		expect(b.reserved).toBe(a.reserved);
		expect(b.oversellCount).toBe(0);
		// And the attempts did share calls (fewer calls than attempts in this isolate).
		const calls = edgeCoalescer.counts.calls - callsBefore;
		const attempts = edgeCoalescer.counts.attempts - attemptsBefore;
		expect(attempts).toBeGreaterThan(0);
		expect(calls).toBeLessThan(attempts);
	});

	it("answers a repeated attempt with its first decision, in the same batch or later, and holds once", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 1 });
		const first = [coalesced("a", "s1"), coalesced("b", "s1"), coalesced("c", "s2", "key-c")];
		const [batch, again] = await runInDurableObject(stubOf(sku), (o: InventoryObject) =>
			Promise.all([
				o.reserveWithMeta(first),
				o.reserveWithMeta([repeat(first[1] as ReserveRequest)]),
			]),
		);
		const [held, overLimit, keyed] = batch.results as ReserveResult[];
		expect(held).toMatchObject({ ok: true, reservation: { reservationId: "rsv_a" } });
		expect(overLimit).toEqual({
			ok: false,
			code: "purchase_limit",
			perUserLimit: 1,
			usedUnits: 1,
			askedUnits: 1,
		});
		expect(keyed).toMatchObject({ ok: true, reservation: { reservationId: "rsv_c" } });
		// The repeat in the same group commit: the first decision, not a second one.
		expect(again.results).toEqual([overLimit]);
		// Later repeats of every attempt: the same answers (no `replayed` mark: the buyer never
		// saw the first), no new hold, no new decision.
		const later = await stubOf(sku).reserve(first.map(repeat));
		expect(later[0]).toEqual(held);
		expect(later[1]).toEqual(overLimit);
		expect(later[2]).toEqual(keyed);
		expect(await stats(sku)).toMatchObject({ reserved: 2, decisions: 3, oversellCount: 0 });
	});

	it("answers the leader's batch with a repeat's decision when the repeat arrived first", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 5 });
		const lost = coalesced("lost", "s1");
		const [byRepeat] = await stubOf(sku).reserve([repeat(lost)]);
		expect(byRepeat).toMatchObject({ ok: true, reservation: { reservationId: "rsv_lost" } });
		// The leader's call, late: its copy of the attempt gets the same hold; the other is sold out.
		const late = await stubOf(sku).reserve([lost, coalesced("other", "s2")]);
		expect(late).toEqual([byRepeat, { ok: false, code: "sold_out" }]);
		expect(await stats(sku)).toMatchObject({ reserved: 1, decisions: 2, oversellCount: 0 });
	});

	// Ids minted by the edge start with its clock (worker/ids.ts); one minted before the restart
	// is one the restarted object's memory cannot vouch for (AttemptMemo.vouchesFor), so its
	// first arrival is looked up in storage. Both an id with a clock and one without are tried.
	it.each([
		["an id without a clock", (sku: string) => `ended~${sku}`],
		["an id minted before the restart", (sku: string) => newId("rsv", sku)],
	])(
		"the leader's copy, later than a repeat and a restart, finds the hold in storage once it ended: no second hold under its id (%s)",
		async (_, idOf) => {
			const sku = await createProduct({ totalStock: 2, perUserLimit: 5 });
			const lost = coalesced(idOf(sku), "s1");
			const [byRepeat] = await stubOf(sku).reserve([repeat(lost)]);
			expect(byRepeat).toMatchObject({ ok: true, reservation: { status: "RESERVED" } });
			// The hold ends (the buyer cancels it), and the object restarts: the memory of first
			// decisions is gone and the hold is no longer active, only its row remains.
			const cancelled = await stubOf(sku).cancel(lost.id, "s1");
			expect(cancelled).toMatchObject({ ok: true, reservation: { status: "CANCELLED" } });
			await evictDurableObject(stubOf(sku));
			// The leader's copy of the attempt, very late: answered with the hold as it is now.
			const [late] = await stubOf(sku).reserve([lost]);
			expect(late).toMatchObject({
				ok: true,
				reservation: { reservationId: lost.id, status: "CANCELLED" },
			});
			expect(await stats(sku)).toMatchObject({ reserved: 0, decisions: 1, oversellCount: 0 });
			// The row is still the cancelled hold, and the audit trail has one creation for the id.
			const row = await runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
				state.storage.sql
					.exec<{ status: string }>("SELECT status FROM holds WHERE id = ?", lost.id)
					.one(),
			);
			expect(row.status).toBe("CANCELLED");
			expect(await stubOf(sku).flushEvents()).toBe(true);
			const trail = await env.DB.prepare(
				"SELECT type FROM events WHERE sku = ? AND reservation_id = ? ORDER BY seq",
			)
				.bind(sku, lost.id)
				.all<{ type: string }>();
			expect(trail.results.map((e) => e.type)).toEqual([
				"reservation.created",
				"reservation.cancelled",
			]);
		},
	);
});
