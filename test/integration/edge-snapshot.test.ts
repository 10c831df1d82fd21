// Answers at the edge (src/worker/edge-snapshot.ts): sold out, not started and
// availability come from the edge's copy of the SKU's state while it is fresh,
// without an object call — and that copy never keeps a unit from being sold:
// units that come back (cancel, expiry) sell again within the freshness bound.

import { describe, expect, it, vi } from "vitest";
import type { Availability, Reservation } from "../../src/shared/types.ts";
import { EDGE_SNAPSHOT_MAX_AGE_MS, freshSnapshot } from "../../src/worker/edge-snapshot.ts";
import { withHeldClock, withTickingClock } from "./held-clock.ts";
import { call, createProduct, newSession, stats } from "./helpers.ts";

/** The edge's copy of `sku` is refused EDGE_SNAPSHOT_MAX_AGE_MS + 1 after the object took it. */
function expectRefusedAfterBound(sku: string, asOf: string): void {
	const takenAtMs = Date.parse(asOf);
	expect(freshSnapshot(sku, takenAtMs + EDGE_SNAPSHOT_MAX_AGE_MS + 1)).toBeNull();
}

const reserve = (sku: string, token: string, headers: Record<string, string> = {}) =>
	call<Reservation>("POST", "/api/reservations", { token, body: { sku }, headers });

describe("answers at the edge", () => {
	it("answers a sold-out SKU without the object, and counts those answers in the stats", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 5 });
		const buyer = await newSession();
		const others = await Promise.all(Array.from({ length: 30 }, () => newSession()));
		expect((await reserve(sku, buyer)).status).toBe(201);
		// One after the other: each answer from the object refreshes the copy the next one reads.
		for (const t of others) expect((await reserve(sku, t)).body.error?.code).toBe("sold_out");
		const s = await stats(sku);
		// Every attempt is counted once, whoever answered it.
		expect(s.attempts).toBe(31);
		expect(s.rejected.sold_out).toBe(30);
		expect(s.edgeAnswered + (s.decisions - 1)).toBe(30);
		expect(s.edgeAnswered).toBeGreaterThan(0);
		expect(s).toMatchObject({ reserved: 1, oversellCount: 0 });
	});

	it("sells a cancelled unit again at once", async () => {
		const sku = await createProduct({ totalStock: 1 });
		const first = await newSession();
		const second = await newSession();
		const held = await reserve(sku, first);
		expect(held.status).toBe(201);
		expect((await reserve(sku, second)).body.error?.code).toBe("sold_out");
		const id = held.body.data?.reservationId as string;
		expect((await call("DELETE", `/api/reservations/${id}`, { token: first })).status).toBe(200);
		expect((await reserve(sku, second)).status).toBe(201);
	});

	it("sells an expired unit again within the freshness bound, with no cancel to tell it", async () => {
		const sku = await createProduct({ totalStock: 1, holdSeconds: 1 });
		const first = await newSession();
		const second = await newSession();
		// The clock is the test's (./held-clock.ts): the bound is checked to the millisecond
		// instead of waited for.
		await withHeldClock(async (setMs) => {
			const t0 = Date.now();
			expect((await reserve(sku, first)).status).toBe(201); // expires at t0 + 1000
			// Just before the expiry the object says sold out; the edge keeps that copy.
			const copyAtMs = t0 + 990;
			setMs(copyAtMs);
			expect((await reserve(sku, second)).body.error?.code).toBe("sold_out");
			// Expired, but the copy is young enough to answer from (and too young to be refreshed
			// ahead, EDGE_SNAPSHOT_REFRESH_AFTER_MS): still sold out, from the edge.
			setMs(t0 + 1010);
			expect((await reserve(sku, second)).body.error?.code).toBe("sold_out");
			// The copy is past the bound: the attempt reaches the object, which expires the hold.
			setMs(copyAtMs + EDGE_SNAPSHOT_MAX_AGE_MS + 1);
			expect((await reserve(sku, second)).status).toBe(201);
			// Read on the same clock: the new hold lasts 1 s of it, not of the machine's time.
			const s = await stats(sku);
			expect(s).toMatchObject({ reserved: 1, oversellCount: 0, edgeAnswered: 1 });
		});
	});

	it("never answers an Idempotency-Key from the edge: a replay of a hold stays a 201", async () => {
		const sku = await createProduct({ totalStock: 1 });
		const buyer = await newSession();
		const key = { "idempotency-key": "edge-replay-1" };
		const first = await reserve(sku, buyer, key);
		expect(first.status).toBe(201);
		expect((await reserve(sku, await newSession())).body.error?.code).toBe("sold_out");
		const again = await reserve(sku, buyer, key);
		expect(again.status).toBe(201);
		expect(again.body.data?.reservationId).toBe(first.body.data?.reservationId);
	});

	it("answers not_started from the copy before the start, and sells from the start on", async () => {
		// The session first: only the create and two reserves must fit before the start,
		// on a loaded machine too.
		const token = await newSession();
		const startsAt = new Date(Date.now() + 2500).toISOString();
		const sku = await createProduct({ totalStock: 3, startsAt });
		expect((await reserve(sku, token)).body.error?.code).toBe("not_started");
		expect((await reserve(sku, token)).body.error?.code).toBe("not_started");
		await vi.waitFor(
			async () => {
				expect((await reserve(sku, token)).status).toBe(201);
			},
			{ timeout: 10_000, interval: 50 },
		);
	});

	it("counts a read's copy from when the object was asked, not from when it answered", async () => {
		const sku = await createProduct({ totalStock: 4 });
		const res = await withTickingClock(() =>
			call<Availability>("GET", `/api/products/${sku}/availability`),
		);
		expect(res.status).toBe(200);
		expectRefusedAfterBound(sku, (res.body.data as Availability).asOf);
	});

	it("counts a reserve answer's copy from when its batch was sent, not from when it arrived", async () => {
		const sku = await createProduct({ totalStock: 1 });
		const buyer = await newSession();
		const other = await newSession();
		await withTickingClock(async () => {
			expect((await reserve(sku, buyer)).status).toBe(201);
			// Keyed: it reaches the object, whose answer replaces the copy.
			const late = await reserve(sku, other, { "idempotency-key": "edge-age-1" });
			expect(late.body.error?.code).toBe("sold_out");
		});
		// The copy now kept is the sold-out answer's: its asOf is the object's clock when taken.
		// (Asked at the dawn of time, freshSnapshot hands back the kept copy whatever its age.)
		const copy = freshSnapshot(sku, Number.NEGATIVE_INFINITY);
		expect(copy?.availability).toMatchObject({ available: 0, reserved: 1 });
		expectRefusedAfterBound(sku, copy?.availability.asOf as string);
	});

	it("serves availability that tells the truth about its age", async () => {
		const sku = await createProduct({ totalStock: 4 });
		const before = Date.now();
		const res = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(res.status).toBe(200);
		const a = res.body.data as Availability;
		expect(a).toMatchObject({ total: 4, available: 4, reserved: 0, sold: 0 });
		// asOf is when the object took the copy: never in the future, never before the request.
		expect(Date.parse(a.asOf)).toBeGreaterThanOrEqual(before - 1);
		expect(Date.parse(a.asOf)).toBeLessThanOrEqual(Date.now());
		const token = await newSession();
		expect((await reserve(sku, token)).status).toBe(201);
		// The reserve's answer refreshed the edge's copy: the next read shows the hold.
		const after = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(after.body.data).toMatchObject({ available: 3, reserved: 1 });
	});
});
