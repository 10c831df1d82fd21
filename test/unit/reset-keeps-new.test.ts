// A shard doing its coordinator's reset late keeps the holds it created after the coordinator's
// reset (src/domain/inventory-operator.ts reset, `keepAfterMs`;
// docs/decisions/134-an-owed-reset-keeps-the-new-drops-holds.md): the model keeps them live
// (counted, expiring, limited as before), and the trail replays to the same counters; the
// cool-downs of the new drop's ended holds stay (decision 138).

import { describe, expect, it } from "vitest";
import { type DomainEvent, Inventory, type ProductConfig } from "../../src/domain/inventory.ts";
import { replay } from "../../src/domain/replay.ts";

const T0 = Date.UTC(2026, 0, 1);

const config: ProductConfig = {
	sku: "KEEP-1",
	name: "Keep",
	priceCents: 100,
	currency: "USD",
	totalStock: 10,
	holdSeconds: 60,
	perUserLimit: 3,
	startsAtMs: null,
};

function reserve(inv: Inventory, id: string, sessionId: string, nowMs: number, quantity: number) {
	const out = inv.reserve({ id, sessionId, quantity, idempotencyKey: null, nowMs });
	if (!out.ok) throw new Error(`refused: ${out.code}`);
	return out.hold;
}

describe("a reset that keeps the holds created after a moment", () => {
	it("clears the older holds, keeps the later ones live, and its trail replays", () => {
		const trail: DomainEvent[] = [];
		const inv = Inventory.create(config, T0);
		reserve(inv, "old", "A", T0, 2);
		const kept = reserve(inv, "new", "B", T0 + 2_000, 3);
		trail.push(...inv.drain().events);

		inv.reset(T0 + 3_000, null, null, T0 + 1_000);
		const out = inv.drain();
		trail.push(...out.events);
		expect(out.events.at(-1)?.detail).toMatchObject({
			releasedHolds: 1,
			releasedUnits: 2,
			keptHolds: 1,
			keptUnits: 3,
		});
		expect(inv.counters()).toEqual({ total: 10, available: 7, reserved: 3, sold: 0 });
		expect(replay(trail)).toEqual(inv.counters());
		expect(inv.activeHold("old")).toBeUndefined();
		expect(inv.activeHold("new")).toBe(kept);
		// B's limit still counts its kept units; A's cleared ones are gone.
		expect(inv.usageOf("B")).toBe(3);
		expect(inv.usageOf("A")).toBe(0);
		expect(
			inv.reserve({
				id: "b2",
				sessionId: "B",
				quantity: 1,
				idempotencyKey: null,
				nowMs: T0 + 4_000,
			}),
		).toMatchObject({ ok: false, code: "purchase_limit" });

		// The kept hold still expires at its own time.
		expect(inv.nextDeadlineMs()).toBe(kept.expiresAtMs);
		expect(inv.expireDue(kept.expiresAtMs)).toBe(1);
		trail.push(...inv.drain().events);
		expect(inv.counters()).toEqual({ total: 10, available: 10, reserved: 0, sold: 0 });
		expect(replay(trail)).toEqual(inv.counters());
	});

	it("keeps the cool-downs it is given of the new drop's ended holds, and clears the rest", () => {
		// docs/decisions/138-what-a-late-split-reset-keeps.md: the object passes each session's
		// latest end of a kept unpaid hold (records.ts keptEnds), as a restart would read it.
		const inv = Inventory.create(config, T0);
		const old = reserve(inv, "old", "A", T0, 1);
		expect(inv.cancel(old, T0 + 500).ok).toBe(true);
		const fresh = reserve(inv, "new", "B", T0 + 2_000, 1);
		expect(inv.cancel(fresh, T0 + 2_500).ok).toBe(true);
		inv.reset(T0 + 3_000, null, null, T0 + 1_000, [["B", fresh.expiresAtMs]]);
		// A's release was the old drop's: gone. B's stays: capped to its released hold's time.
		expect(inv.cooldownOf("A", T0 + 4_000)).toEqual({ kind: "free" });
		expect(inv.cooldownOf("B", T0 + 4_000)).toEqual({
			kind: "capped",
			expiresAtMs: fresh.expiresAtMs,
		});
		expect(reserve(inv, "b2", "B", T0 + 4_000, 1).expiresAtMs).toBe(fresh.expiresAtMs);
	});

	it("without the moment, clears every hold as before", () => {
		const inv = Inventory.create(config, T0);
		reserve(inv, "a", "A", T0, 2);
		reserve(inv, "b", "B", T0 + 2_000, 3);
		inv.reset(T0 + 3_000);
		expect(inv.counters().reserved).toBe(0);
		expect(inv.drain().events.at(-1)?.detail).not.toHaveProperty("keptHolds");
	});

	it("keeps the attempts and refusals counted since the moment, within the counters and at least one per kept hold", () => {
		const inv = Inventory.create(config, T0);
		reserve(inv, "a", "A", T0, 2);
		inv.reject("purchase_limit");
		inv.reject("queued");
		reserve(inv, "b", "B", T0 + 2_000, 1);
		inv.reject("purchase_limit");
		expect(inv.attempts).toBe(2);
		// The history counted after the moment one attempt and one refusal of each code; a code
		// the counters never had (or more than they had) is not made up.
		inv.reset(T0 + 3_000, null, null, T0 + 1_000, [], {
			attempts: 1,
			rejected: { purchase_limit: 1, cooldown: 4 },
		});
		expect(inv.attempts).toBe(1);
		expect(inv.rejected).toEqual({ purchase_limit: 1 });
		expect(inv.drain().events.at(-1)?.detail).toMatchObject({ keptHolds: 1, keptAttempts: 1 });

		// A history that lost the window (a restart): the kept hold's attempt still counts.
		const again = Inventory.create(config, T0);
		reserve(again, "a", "A", T0, 2);
		reserve(again, "b", "B", T0 + 2_000, 1);
		again.reset(T0 + 3_000, null, null, T0 + 1_000, [], { attempts: 0, rejected: {} });
		expect(again.attempts).toBe(1);

		// Without the moment, every counter goes, whatever the history says.
		const full = Inventory.create(config, T0);
		reserve(full, "a", "A", T0, 2);
		full.reject("purchase_limit");
		full.reset(T0 + 3_000, null, null, null, [], { attempts: 1, rejected: { purchase_limit: 1 } });
		expect(full.attempts).toBe(0);
		expect(full.rejected).toEqual({});
		expect(full.drain().events.at(-1)?.detail).not.toHaveProperty("keptAttempts");
	});
});
