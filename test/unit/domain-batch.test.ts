// The batched decider (src/domain/batch.ts) against one-at-a-time decisions:
// whatever way a random sequence of attempts is cut into batches, every answer,
// every hold and every counter is the one that deciding the attempts one by one
// gives — including Idempotency-Key replays of an attempt in the same batch,
// and keys whose replay window ended (domain/idempotency.ts) decided afresh —
// and both agree with the naive reference model (domain-model.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BatchAttempt, decideReserves, type OutcomeStore } from "../../src/domain/batch.ts";
import { MAX_QUANTITY } from "../../src/domain/bounds.ts";
import { outcomeReplayUntilMs, type ReplayWindows } from "../../src/domain/idempotency.ts";
import { Inventory, type ReserveOutcome } from "../../src/domain/inventory.ts";
import { productConfigArb } from "../support/arbitraries.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { Model } from "./domain-model.ts";

const T0 = Date.UTC(2026, 0, 1);
const SESSIONS = 6;
const KEYS = 4;

type Stored = { ok: true; id: string } | { ok: false; code: string };

const encode = (outcome: ReserveOutcome): Stored =>
	outcome.ok ? { ok: true, id: outcome.hold.id } : { ok: false, code: outcome.code };

function mapStore(): OutcomeStore<Stored> & { size(): number } {
	const rows = new Map<string, { stored: Stored; untilMs: number }>();
	return {
		get: (s, k, nowMs) => {
			const row = rows.get(`${s}|${k}`);
			return row !== undefined && row.untilMs > nowMs ? row.stored : null;
		},
		put: (s, k, stored, untilMs) => {
			rows.set(`${s}|${k}`, { stored, untilMs });
		},
		size: () => rows.size,
	};
}

/** Windows short enough for the clock of a run to pass them (it moves up to 45 s). */
const windowsArb: fc.Arbitrary<ReplayWindows> = fc.record({
	holdMarginMs: fc.nat({ max: 6000 }),
	rejectedMs: fc.nat({ max: 6000 }),
});

const attemptArb = fc.record({
	session: fc.nat({ max: SESSIONS - 1 }),
	quantity: fc.integer({ min: 1, max: MAX_QUANTITY }),
	key: fc.option(fc.nat({ max: KEYS - 1 }), { nil: null, freq: 2 }),
});

/** A batch: its attempts and how far the clock moved before it was decided. */
const batchArb = fc.record({
	advanceMs: fc.nat({ max: 3000 }),
	attempts: fc.array(attemptArb, { minLength: 1, maxLength: 12 }),
});

const productArb = productConfigArb({
	sku: "SKU-B",
	name: "Batch",
	maxStock: 30,
	maxHoldSeconds: 4,
	t0Ms: T0,
	startsWithinMs: 3000,
});

describe("the batched decider", () => {
	it("agrees with one-at-a-time decisions and the naive model, however the attempts are batched", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				productArb,
				fc.array(batchArb, { maxLength: 15 }),
				windowsArb,
				(product, batches, windows) => {
					const batched = Inventory.create(product, T0);
					const single = Inventory.create(product, T0);
					const model = new Model(
						product.totalStock,
						product.holdSeconds,
						product.perUserLimit,
						product.startsAtMs,
					);
					const batchedStore = mapStore();
					const singleStore = new Map<string, { stored: Stored; untilMs: number }>();
					let now = T0;
					let n = 0;
					for (const batch of batches) {
						now += batch.advanceMs;
						const attempts: BatchAttempt[] = batch.attempts.map((a) => ({
							id: `h${n++}`,
							sessionId: `s${a.session}`,
							quantity: a.quantity,
							idempotencyKey: a.key === null ? null : `k${a.key}`,
						}));
						const decisions = decideReserves(batched, attempts, now, batchedStore, encode, windows);
						expect(decisions).toHaveLength(attempts.length);
						attempts.forEach((a, i) => {
							// One at a time, with the naive reading of docs/api.md's replay rule: a key
							// answers its first outcome until that outcome's window ends.
							const slot = a.idempotencyKey === null ? null : `${a.sessionId}|${a.idempotencyKey}`;
							const earlier = slot === null ? undefined : singleStore.get(slot);
							const decision = decisions[i];
							if (earlier !== undefined && earlier.untilMs > now) {
								expect(decision).toEqual({ replayed: true, stored: earlier.stored });
								return;
							}
							const expected = model.reserve(a.id, a.sessionId, a.quantity, now);
							const outcome = single.reserve({ ...a, nowMs: now });
							const stored = encode(outcome);
							// A cool-down passes with time: never the key's outcome (domain/hold-cooldown.ts).
							const lasting = outcome.ok || outcome.code !== "hold_cooldown";
							if (slot !== null && lasting) {
								singleStore.set(slot, {
									stored,
									untilMs: outcomeReplayUntilMs(outcome, now, windows),
								});
							}
							expect(stored).toEqual(
								expected === null
									? { ok: true, id: a.id }
									: { ok: false, code: typeof expected === "string" ? expected : expected.code },
							);
							expect(decision).toMatchObject({ replayed: false, stored });
						});
						// The same state either way, and the stock invariant after every batch.
						expect(batched.counters()).toEqual(single.counters());
						expect(batched.attempts).toBe(single.attempts);
						expect(batched.rejected).toEqual(single.rejected);
						const c = batched.counters();
						// available is total − reserved − sold by construction: the check is the model's.
						expect(c.available).toBeGreaterThanOrEqual(0);
						expect(c.reserved).toBe(model.reserved);
						expect(batchedStore.size()).toBe(singleStore.size);
					}
				},
			),
			{ numRuns: 300 },
		);
	});

	it("answers a replay inside one batch like the first attempt and takes one hold", () => {
		const inv = Inventory.create(
			{
				sku: "SKU-R",
				name: "Replay",
				priceCents: 100,
				currency: "USD",
				totalStock: 5,
				holdSeconds: 60,
				perUserLimit: 5,
				startsAtMs: null,
			},
			T0,
		);
		// A store that never sees the batch's own writes: the decider must not need it to.
		const blind: OutcomeStore<Stored> = { get: () => null, put: () => {} };
		const same = { sessionId: "s", quantity: 1, idempotencyKey: "k" };
		const decisions = decideReserves(
			inv,
			[
				{ id: "a", ...same },
				{ id: "b", ...same },
				{ id: "c", ...same, idempotencyKey: null },
			],
			T0,
			blind,
			encode,
		);
		expect(decisions).toEqual([
			{
				replayed: false,
				outcome: expect.objectContaining({ ok: true }),
				stored: { ok: true, id: "a" },
			},
			{ replayed: true, stored: { ok: true, id: "a" } },
			{
				replayed: false,
				outcome: expect.objectContaining({ ok: true }),
				stored: { ok: true, id: "c" },
			},
		]);
		expect(inv.counters()).toMatchObject({ reserved: 2, available: 3 });
	});
});
