// The fairness figures a SKU's stats report (docs/waiting-room.md, "Fairness the
// server can see"; src/domain/fairness.ts) over the real Worker and SKU object:
// the asking sessions are the room's ticket holders, their units come from the
// hold records (held and paid). This pool runs without rate limits, so the bot
// signals' groups are absent; test/node/drop-fairness.test.ts sees them with limits on.
import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { pay, reserve } from "./checkout-support.ts";
import { call, newSession, stats, uniqueSku } from "./helpers.ts";
import { createRoomProduct } from "./room-support.ts";

describe("fairness figures in the stats", { timeout: 60_000 }, () => {
	it("count the room's ticket holders, their units and what the signals say of them", async () => {
		const sku = uniqueSku("FAIR");
		await createRoomProduct({ totalStock: 2 }, {}, sku, "Fairness figures");
		// Before anyone asks: no session, no unit, nothing to divide.
		expect((await stats(sku)).fairness).toEqual({
			sessions: 0,
			units: 0,
			sessionsWithUnits: 0,
			jainIndex: null,
			unitsPerAdmission: null,
			// This pool runs with RATE_LIMITS=off (vitest.config.ts): no bot signals, no groups.
			signals: false,
			clear: null,
			flagged: null,
			unread: null,
			clearShareRatio: null,
			// Counted since the object started (decision 193), with nothing decided before.
			countedSince: expect.any(String),
			partial: false,
		});

		// The room started at once, so
		// tickets queue in arrival order: A and B are admitted (two units), C waits.
		const [a, b, c] = await Promise.all([newSession(), newSession(), newSession()]);
		for (const token of [a, b, c]) {
			const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token });
			expect(joined.status).toBe(201);
		}
		const held = await reserve(a as string, sku, 1);
		await reserve(b as string, sku, 1);
		expect((await pay(a as string, held, "pm_card_visa")).status).toBe(200);

		const s = await stats(sku);
		expect(s.queue).toMatchObject({ waiting: 1, admittedTotal: 2 });
		expect(s.fairness).toMatchObject({
			sessions: 3,
			units: 2,
			sessionsWithUnits: 2,
			unitsPerAdmission: 1,
			signals: false,
		});
		// Jain over (1, 1, 0): 4 / (3 · 2).
		expect(s.fairness?.jainIndex).toBeCloseTo(4 / 6);
		// Units held and paid both count; the figures agree with the counters.
		expect(s.reserved + s.sold).toBe(s.fairness?.units);
	});
});
