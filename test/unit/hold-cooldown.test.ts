// The cool-down after a session's own hold ends unpaid (src/domain/hold-cooldown.ts;
// docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md), on the pure model: the
// reviewer's loop (re-reserving at expiresAt + 1 ms) is refused, another session takes the units,
// a release keeps the hold's time, and a restart from the stored holds keeps the rule.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	cooldownMs,
	HoldCooldowns,
	MAX_COOLDOWN_SECONDS,
	MIN_COOLDOWN_SECONDS,
} from "../../src/domain/hold-cooldown.ts";
import { Inventory, type ProductConfig } from "../../src/domain/inventory.ts";
import { claims } from "../../src/inventory/shard-reserve.ts";

const T0 = Date.UTC(2026, 0, 1);

const config: ProductConfig = {
	sku: "COOL-1",
	name: "Cool",
	priceCents: 100,
	currency: "USD",
	totalStock: 2,
	holdSeconds: 1,
	perUserLimit: 2,
	startsAtMs: null,
};

function reserve(inv: Inventory, id: string, sessionId: string, nowMs: number, quantity = 2) {
	return inv.reserve({ id, sessionId, quantity, idempotencyKey: null, nowMs });
}

describe("the cool-down after an unpaid hold", () => {
	it("refuses the owner's reserve at expiresAt + 1 ms and lets another session take the units", () => {
		const inv = Inventory.create(config, T0);
		const first = reserve(inv, "a1", "A", T0);
		if (!first.ok) throw new Error("the first hold was refused");
		const at = first.hold.expiresAtMs + 1;
		const cool = cooldownMs(config.holdSeconds);
		// From the hold's end (its expiresAt), not from the moment its expiry was recorded.
		expect(reserve(inv, "a2", "A", at)).toEqual({
			ok: false,
			code: "hold_cooldown",
			retryAtMs: first.hold.expiresAtMs + cool,
		});
		expect(inv.rejected.hold_cooldown).toBe(1);
		const other = reserve(inv, "b1", "B", at);
		expect(other.ok).toBe(true);
		// Once B's hold ends and the cool-down is over, A may reserve again.
		expect(reserve(inv, "a3", "A", at + cool).ok).toBe(true);
	});

	it("counts a release and a failed payment like an expiry, and a release keeps the hold's time", () => {
		const inv = Inventory.create({ ...config, holdSeconds: 120, totalStock: 10 }, T0);
		const held = reserve(inv, "a1", "A", T0);
		if (!held.ok) throw new Error("refused");
		expect(inv.cancel(held.hold, T0 + 10_000).ok).toBe(true);
		// A changed quantity within the hold's time: a hold to the same expiresAt, not a new term.
		const again = reserve(inv, "a2", "A", T0 + 20_000, 1);
		expect(again.ok && again.hold.expiresAtMs).toBe(held.hold.expiresAtMs);
		// Released again just before the end, then re-reserved at the end: refused.
		if (!again.ok) throw new Error("refused");
		expect(inv.cancel(again.hold, held.hold.expiresAtMs - 1).ok).toBe(true);
		const loop = reserve(inv, "a3", "A", held.hold.expiresAtMs);
		expect(loop).toMatchObject({ ok: false, code: "hold_cooldown" });
		// A failed payment: the units go back at its moment, and the cool-down counts from it.
		const b = reserve(inv, "b1", "B", T0);
		if (!b.ok) throw new Error("refused");
		expect(inv.beginCheckout("b1", T0 + 1000, T0 + 200_000).ok).toBe(true);
		const failedAt = b.hold.expiresAtMs + 30_000;
		expect(inv.failCheckout("b1", failedAt, "declined").ok).toBe(true);
		expect(reserve(inv, "b2", "B", failedAt + 1)).toEqual({
			ok: false,
			code: "hold_cooldown",
			retryAtMs: failedAt + cooldownMs(120),
		});
	});

	it("a paid hold starts no cool-down, and a reset clears them", () => {
		const inv = Inventory.create({ ...config, totalStock: 10, perUserLimit: 10 }, T0);
		const paid = reserve(inv, "a1", "A", T0);
		if (!paid.ok) throw new Error("refused");
		inv.beginCheckout("a1", T0 + 10, T0 + 60_000);
		inv.completeCheckout("a1", "o1", T0 + 20);
		expect(reserve(inv, "a2", "A", T0 + 5000).ok).toBe(true);
		expect(reserve(inv, "a3", "A", T0 + 6001)).toMatchObject({ code: "hold_cooldown" });
		inv.reset(T0 + 6002);
		expect(reserve(inv, "a4", "A", T0 + 6003).ok).toBe(true);
	});

	it("a reset keeps the ends it is given as a load would (no end a payment forgives)", () => {
		// A shard's late reset keeps the new drop's ends (docs/decisions/138-what-a-late-split-reset-keeps.md).
		const cool = new HoldCooldowns();
		cool.ended("A", T0 + 1_000, T0, 15_000);
		cool.paid("B", T0 + 5_000, T0, 15_000);
		cool.clear([
			["B", T0 + 4_000],
			["C", T0 + 2_000],
		]);
		expect(cool.verdict("A", T0 + 1_500, 15_000)).toEqual({ kind: "free" });
		expect(cool.verdict("B", T0 + 4_500, 15_000)).toEqual({ kind: "free" });
		expect(cool.verdict("C", T0 + 2_500, 15_000)).toEqual({
			kind: "cooling",
			retryAtMs: T0 + 17_000,
		});
		const rebuilt = new HoldCooldowns([["C", T0 + 2_000]], [["B", T0 + 5_000]]);
		for (const s of ["A", "B", "C"])
			expect(cool.verdict(s, T0 + 2_500, 15_000)).toEqual(rebuilt.verdict(s, T0 + 2_500, 15_000));
	});

	it("a split SKU's shard claims no unit for a cooling session, and answers it by the SKU's stock", () => {
		const inv = Inventory.create({ ...config, totalStock: 4 }, T0);
		const held = reserve(inv, "a1", "A", T0);
		if (!held.ok) throw new Error("refused");
		const at = held.hold.expiresAtMs + 1;
		inv.expireDue(at);
		expect(claims(inv, [{ sessionId: "A", quantity: 2 }], undefined, at)).toMatchObject({
			units: 0,
			refusedUnits: 2,
		});
		expect(claims(inv, [{ sessionId: "B", quantity: 2 }], undefined, at).units).toBe(2);
		// A shard with no unit left: the units elsewhere make it the cool-down's answer, not sold_out.
		const b = reserve(inv, "b1", "B", at);
		const c = reserve(inv, "c1", "C", at);
		expect(b.ok && c.ok).toBe(true);
		const refused = inv.reserve({
			id: "a2",
			sessionId: "A",
			quantity: 2,
			idempotencyKey: null,
			nowMs: at,
			stockElsewhere: 5,
		});
		expect(refused).toMatchObject({ ok: false, code: "hold_cooldown" });
		expect(reserve(inv, "a3", "A", at)).toEqual({ ok: false, code: "sold_out" });
	});

	it("runs from an expiry's expiresAt however late the expiry is recorded, as a restart reads it", () => {
		const product = { ...config, holdSeconds: 30 };
		const cool = cooldownMs(product.holdSeconds);
		const live = Inventory.create(product, T0);
		const held = reserve(live, "a1", "A", T0, 1);
		if (!held.ok) throw new Error("refused");
		const ended = held.hold.expiresAtMs;
		// Nothing ran since (an object down, an alarm late): the expiry is recorded by this reserve,
		// 10 minutes after the hold lapsed. Its cool-down was over long ago.
		expect(reserve(live, "a2", "A", ended + 10 * 60_000, 1).ok).toBe(true);
		// Recorded late, but within the cool-down: it ends where it would have, not from now.
		const late = Inventory.create(product, T0);
		const first = reserve(late, "a1", "A", T0, 1);
		if (!first.ok) throw new Error("refused");
		const at = ended + 5_000;
		expect(reserve(late, "a2", "A", at, 1)).toEqual({
			ok: false,
			code: "hold_cooldown",
			retryAtMs: ended + cool,
		});
		// The same answers from the model rebuilt from the stored row (its expires_at).
		const restarted = new Inventory(late.snapshot(), [], [], [["A", ended]]);
		expect(reserve(restarted, "a3", "A", at, 1)).toEqual({
			ok: false,
			code: "hold_cooldown",
			retryAtMs: ended + cool,
		});
		expect(reserve(restarted, "a4", "A", ended + cool, 1).ok).toBe(true);
	});

	it("a payment forgives the cancels that led to it: cancel, re-reserve, pay, then one more", () => {
		const product = { ...config, totalStock: 5, holdSeconds: 30 };
		const inv = Inventory.create(product, T0);
		const first = reserve(inv, "a1", "A", T0, 1);
		if (!first.ok) throw new Error("refused");
		expect(inv.cancel(first.hold, T0 + 1000).ok).toBe(true);
		const again = reserve(inv, "a2", "A", T0 + 2000, 1);
		if (!again.ok) throw new Error("refused");
		expect(again.hold.expiresAtMs).toBe(first.hold.expiresAtMs);
		expect(inv.beginCheckout("a2", T0 + 3000, T0 + 60_000).ok).toBe(true);
		expect(inv.completeCheckout("a2", "o1", T0 + 4000).ok).toBe(true);
		// Past the cancelled hold's time: the buyer who paid wants a second unit (limit 2).
		const more = reserve(inv, "a3", "A", first.hold.expiresAtMs + 1000, 1);
		expect(more.ok).toBe(true);
		// A restart reads the same from the stored holds: the cancelled and the paid one.
		const restarted = new Inventory(
			{ ...inv.snapshot() },
			[],
			[["A", 1]],
			[["A", first.hold.expiresAtMs]],
			[["A", again.hold.expiresAtMs]],
		);
		expect(reserve(restarted, "a4", "A", first.hold.expiresAtMs + 1000, 1).ok).toBe(true);
	});

	it("a payment forgives no end after its own hold's time", () => {
		const product = { ...config, totalStock: 5, holdSeconds: 30, perUserLimit: 3 };
		const inv = Inventory.create(product, T0);
		const paid = reserve(inv, "p1", "A", T0, 1);
		if (!paid.ok) throw new Error("refused");
		expect(inv.beginCheckout("p1", T0 + 1000, T0 + 60_000).ok).toBe(true);
		expect(inv.completeCheckout("p1", "o1", T0 + 2000).ok).toBe(true);
		// A later hold of the same session, left to lapse: it held past the paid hold's time.
		const later = reserve(inv, "a1", "A", T0 + 5000, 1);
		if (!later.ok) throw new Error("refused");
		expect(reserve(inv, "a2", "A", later.hold.expiresAtMs + 1, 1)).toEqual({
			ok: false,
			code: "hold_cooldown",
			retryAtMs: later.hold.expiresAtMs + cooldownMs(30),
		});
	});

	it("a demo sandbox has none (docs/decisions/012-sandbox-exemption.md)", () => {
		const inv = Inventory.create({ ...config, sku: "SBX-0123" }, T0);
		expect(reserve(inv, "a1", "A", T0).ok).toBe(true);
		expect(reserve(inv, "a2", "A", T0 + 1001).ok).toBe(true);
	});

	it("is rebuilt from the stored ended holds after a restart", () => {
		const inv = Inventory.create(config, T0);
		const held = reserve(inv, "a1", "A", T0);
		if (!held.ok) throw new Error("refused");
		inv.expireDue(held.hold.expiresAtMs);
		// What records.ts loadState reads: the session's latest unpaid-ended expires_at.
		const restarted = new Inventory(inv.snapshot(), [], [], [["A", held.hold.expiresAtMs]]);
		expect(reserve(restarted, "a2", "A", held.hold.expiresAtMs + 1)).toMatchObject({
			code: "hold_cooldown",
		});
		expect(reserve(restarted, "b1", "B", held.hold.expiresAtMs + 1).ok).toBe(true);
	});

	it("lasts the hold's length within its bounds", () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 3600 }), (holdSeconds) => {
				const ms = cooldownMs(holdSeconds);
				expect(ms).toBeGreaterThanOrEqual(MIN_COOLDOWN_SECONDS * 1000);
				expect(ms).toBeLessThanOrEqual(MAX_COOLDOWN_SECONDS * 1000);
				if (holdSeconds >= MIN_COOLDOWN_SECONDS && holdSeconds <= MAX_COOLDOWN_SECONDS)
					expect(ms).toBe(holdSeconds * 1000);
			}),
		);
	});

	it("answers by the latest end no payment forgives, live and rebuilt, and forgets what is over", () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.tuple(
						fc.nat({ max: 20 }),
						fc.nat({ max: 100_000 }),
						fc.nat({ max: 100_000 }),
						fc.boolean(),
					),
					{
						maxLength: 200,
					},
				),
				fc.nat({ max: 200_000 }),
				fc.boolean(),
				(ends, probeMs, rebuilt) => {
					const coolMs = 15_000;
					const live = new HoldCooldowns();
					// Per session: its unpaid ends' times, and its paid holds' latest expiresAt.
					const unpaid = new Map<string, number[]>();
					const paid = new Map<string, number>();
					for (const [s, atMs, nowMs, isPaid] of ends) {
						const session = `s${s}`;
						if (isPaid) {
							live.paid(session, atMs, nowMs, coolMs);
							paid.set(session, Math.max(paid.get(session) ?? 0, atMs));
						} else {
							live.ended(session, atMs, nowMs, coolMs);
							unpaid.set(session, [...(unpaid.get(session) ?? []), atMs]);
						}
					}
					// A restart's map, from each session's latest unpaid end and latest payment only.
					const cooldowns = rebuilt
						? new HoldCooldowns(
								[...unpaid].map(([s, ats]): [string, number] => [s, Math.max(...ats)]),
								paid,
							)
						: live;
					for (let s = 0; s <= 20; s++) {
						// The latest end that no payment forgives (held after every paid hold's time).
						const forgiven = paid.get(`s${s}`) ?? -1;
						const standing = (unpaid.get(`s${s}`) ?? []).filter((at) => at > forgiven);
						const until = standing.length === 0 ? undefined : Math.max(...standing);
						const v = cooldowns.verdict(`s${s}`, probeMs, coolMs);
						if (until === undefined || probeMs >= until + coolMs)
							expect(v).toEqual({ kind: "free" });
						else if (probeMs < until) expect(v).toEqual({ kind: "capped", expiresAtMs: until });
						else expect(v).toEqual({ kind: "cooling", retryAtMs: until + coolMs });
					}
				},
			),
		);
	});

	it("keeps the map bounded: sessions over their cool-down go once it doubles", () => {
		const cooldowns = new HoldCooldowns();
		for (let i = 0; i < 10_000; i++) cooldowns.ended(`s${i}`, i * 1000, i * 1000, 15_000);
		// Only the sessions of the last cool-down (and up to as many again) are kept.
		expect(cooldowns.size).toBeLessThanOrEqual(2 * 1024 + 32);
	});
});
