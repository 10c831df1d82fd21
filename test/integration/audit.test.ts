// The audit trail (FR-6 and invariant 5, docs/architecture.md):
// one creation and one terminal event per hold, pages in order, replay from
// empty reproduces the counters, the outbox → D1 copy is idempotent, and a
// reset is recorded.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { replay } from "../../src/domain/replay.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type {
	AuditEvent,
	FairnessStats,
	Order,
	Reservation,
	Stats,
} from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, d1EventCount, newSession, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";

type Page = { events: AuditEvent[]; next: string | null };

async function page(sku: string, query: string): Promise<Page> {
	const res = await call<Page>("GET", `/api/admin/products/${sku}/events${query}`, {
		token: ADMIN,
	});
	expect(res.status).toBe(200);
	return res.body.data as Page;
}

/** Walks every page with the given size, checking the cursor contract on the way. */
async function allEvents(sku: string, limit: number): Promise<AuditEvent[]> {
	const out: AuditEvent[] = [];
	let after: string | null = null;
	for (let pages = 0; pages < 1000; pages++) {
		const p: Page = await page(sku, `?limit=${limit}${after === null ? "" : `&after=${after}`}`);
		expect(p.events.length).toBeLessThanOrEqual(limit);
		out.push(...p.events);
		if (p.next === null) return out;
		expect(p.events.length).toBe(limit);
		expect(p.next).toBe(String(p.events.at(-1)?.seq));
		after = p.next;
	}
	throw new Error("the events cursor never ended");
}

async function reserve(sku: string, token: string, quantity: number): Promise<Reservation> {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity },
	});
	expect(res.status).toBe(201);
	return res.body.data as Reservation;
}

function countersOf(s: Stats) {
	return { total: s.total, available: s.available, reserved: s.reserved, sold: s.sold };
}

describe("the audit trail", () => {
	it("records one creation and one end per hold, pages in order and replays to the counters", async () => {
		const sku = await createProduct({ totalStock: 10, holdSeconds: 1, perUserLimit: 5 });
		const [s1, s2, s3] = await Promise.all([newSession(), newSession(), newSession()]);
		const expiring = await reserve(sku, s1, 2);
		const cancelled = await reserve(sku, s2, 1);
		expect(
			(await call("DELETE", `/api/reservations/${cancelled.reservationId}`, { token: s2 })).status,
		).toBe(200);
		const patched = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { holdSeconds: 3600, totalStock: 12 },
		});
		expect(patched.status).toBe(200);
		const kept = await reserve(sku, s3, 3);
		await sleep(Date.parse(expiring.expiresAt) - Date.now() + 200);
		// A read settles the expiry (lazily if the alarm has not run yet).
		const read = await call<Reservation>("GET", `/api/reservations/${expiring.reservationId}`, {
			token: s1,
		});
		expect(read.body.data?.status).toBe("EXPIRED");

		const events = await allEvents(sku, 1000);
		const seqs = events.map((e) => e.seq);
		expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // gapless, in the order they happened
		for (const e of events) expect(e).toMatchObject({ id: `${sku}:${e.seq}`, sku });
		expect(events.map((e) => e.type)).toEqual([
			"product.created",
			"reservation.created",
			"reservation.created",
			"reservation.cancelled",
			"product.updated",
			"reservation.created",
			"reservation.expired",
		]);
		const of = (id: string) => events.filter((e) => e.reservationId === id).map((e) => e.type);
		expect(of(expiring.reservationId)).toEqual(["reservation.created", "reservation.expired"]);
		expect(of(cancelled.reservationId)).toEqual(["reservation.created", "reservation.cancelled"]);
		expect(of(kept.reservationId)).toEqual(["reservation.created"]);
		for (const e of events.filter((x) => x.reservationId !== undefined)) {
			expect(e.sessionId).toMatch(/^ses_/); // the session id, never the bearer token
			expect(e.quantity).toBeGreaterThan(0);
		}

		// Smaller pages walk the same trail.
		expect(await allEvents(sku, 2)).toEqual(events);
		expect(await allEvents(sku, 7)).toEqual(events);
		expect((await page(sku, `?after=${events.length}`)).events).toEqual([]);

		const now = await stats(sku);
		expect(countersOf(now)).toEqual({ total: 12, available: 9, reserved: 3, sold: 0 });
		expect(now.oversellCount).toBe(0);
		expect(replay(events)).toEqual(countersOf(now));
	});

	it("records a reset, after which replay still reproduces the counters", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 5 });
		const token = await newSession();
		const hold = await reserve(sku, token, 4);
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		expect(reset.body.data).toMatchObject({
			totalStock: 5,
			availability: { available: 5, reserved: 0, sold: 0 },
		});

		const events = await allEvents(sku, 100);
		expect(events.map((e) => e.type)).toEqual([
			"product.created",
			"reservation.created",
			"inventory.reset",
		]);
		expect(events.at(-1)?.detail).toMatchObject({ totalStock: 5 });
		const now = await stats(sku);
		expect(countersOf(now)).toEqual({ total: 5, available: 5, reserved: 0, sold: 0 });
		expect(replay(events)).toEqual(countersOf(now));
		// Reset clears the holds themselves, and the stock is whole again.
		expect((await call("GET", `/api/reservations/${hold.reservationId}`, { token })).status).toBe(
			404,
		);
		await reserve(sku, token, 5);
	});
});

describe("a reset after sales", () => {
	it("keeps paid orders and their units sold, clears the holds that are not paid, and replays to the counters", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 3 });
		const [buyer, holder] = await Promise.all([newSession(), newSession()]);
		const bought = await call<Reservation>("POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
			headers: { "idempotency-key": "reserve-1" },
		});
		expect(bought.status).toBe(201);
		const reservationId = bought.body.data?.reservationId ?? "";
		const pay = () =>
			call<Order>("POST", "/api/checkout", {
				token: buyer,
				body: { reservationId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": "pay-1" },
			});
		const paid = await pay();
		expect(paid.status).toBe(200);
		const order = paid.body.data as Order;
		expect(order.status).toBe("PAID");
		const unpaid = await reserve(sku, holder, 3);

		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		expect(reset.body.data).toMatchObject({
			totalStock: 10,
			availability: { total: 10, available: 8, reserved: 0, sold: 2 },
		});

		// The order and its paid hold are still there, for their owner.
		const read = await call<Order>("GET", `/api/orders/${order.orderId}`, { token: buyer });
		expect(read.status).toBe(200);
		expect(read.body.data).toEqual(order);
		const hold = await call<Reservation>("GET", `/api/reservations/${reservationId}`, {
			token: buyer,
		});
		expect(hold.body.data?.status).toBe("PAID");
		// The hold that was not paid is gone, its units back in stock.
		expect(
			(await call("GET", `/api/reservations/${unpaid.reservationId}`, { token: holder })).status,
		).toBe(404);
		// Retries are answered as before the reset: the same order, the same hold, no second charge or hold.
		const again = await pay();
		expect(again.status).toBe(200);
		expect(again.body.data?.orderId).toBe(order.orderId);
		const replayed = await call<Reservation>("POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
			headers: { "idempotency-key": "reserve-1" },
		});
		expect(replayed.body.data?.reservationId).toBe(reservationId);
		// The buyer's two paid units still count against the limit of 3.
		const over = await call("POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
		});
		expect(over.body.error?.code).toBe("purchase_limit");

		const now = await stats(sku);
		expect(countersOf(now)).toEqual({ total: 10, available: 8, reserved: 0, sold: 2 });
		expect(now.oversellCount).toBe(0);
		const events = await allEvents(sku, 100);
		const resetEvent = events.find((e) => e.type === "inventory.reset");
		expect(resetEvent?.detail).toMatchObject({
			totalStock: 10,
			soldKept: 2,
			releasedHolds: 1,
			releasedUnits: 3,
		});
		expect(replay(events)).toEqual(countersOf(now));
		// And the object rebuilt from storage agrees.
		await evictDurableObject(stubOf(sku));
		expect(countersOf(await stats(sku))).toEqual(countersOf(now));
		await reserve(sku, holder, 3);
		expect(countersOf(await stats(sku))).toEqual({ total: 10, available: 5, reserved: 3, sold: 2 });
	});
});

describe("the stats", () => {
	// Rejections cost no commit of their own (src/inventory/state-writer.ts, COUNTERS_FLUSH_MS):
	// their counts reach storage on their own within the flush window, with no other write.
	it("keep attempts and rejections across a restart of the object, also when nothing else changed", async () => {
		const sku = await createProduct({ totalStock: 1 });
		const token = await newSession();
		await reserve(sku, token, 1);
		for (let i = 0; i < 3; i++) {
			const res = await call("POST", "/api/reservations", {
				token: await newSession(),
				body: { sku },
			});
			expect(res.body.error?.code).toBe("sold_out");
		}
		const before = await stats(sku);
		expect(before).toMatchObject({ attempts: 4, rejected: { sold_out: 3 } });
		await vi.waitFor(
			async () => {
				const stored = await runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
					JSON.parse(String(state.storage.sql.exec("SELECT snapshot FROM state").one().snapshot)),
				);
				expect(stored).toMatchObject({ attempts: 4, rejected: { sold_out: 3 } });
			},
			{ timeout: 10_000, interval: 100 },
		);
		await evictDurableObject(stubOf(sku));
		// Every figure as before; `asOf` is when each answer read them, and the fairness figures'
		// coverage is the guard's memory, which began again with the wake (decision 193).
		const { asOf: readBefore, ...figures } = before;
		const { asOf: readAfter, ...after } = await stats(sku);
		expect(withoutCoverage(after)).toEqual(withoutCoverage(figures));
		expect(Date.parse(readAfter)).toBeGreaterThanOrEqual(Date.parse(readBefore));
		expect(before.fairness?.partial).toBe(false);
		expect(after.fairness?.partial).toBe(true);
		expect(Date.parse(after.fairness?.countedSince ?? "")).toBeGreaterThanOrEqual(
			Date.parse(readBefore),
		);
	});
});

/** The stats but the fairness figures' coverage (countedSince, partial): memory, not the counters. */
function withoutCoverage<T extends { fairness?: FairnessStats }>(s: T) {
	if (s.fairness === undefined) return s;
	const { countedSince: _, partial: __, ...fairness } = s.fairness;
	return { ...s, fairness };
}

describe("the outbox → D1 copy", () => {
	it("inserts nothing twice: concurrent flushes, and a batch re-sent after a lost acknowledgement", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 20 });
		const token = await newSession();
		for (let i = 0; i < 5; i++) await reserve(sku, token, 1);
		const stub = stubOf(sku);
		const flushed = await Promise.all([stub.flushEvents(), stub.flushEvents(), stub.flushEvents()]);
		expect(flushed).toEqual([true, true, true]);
		expect(await d1EventCount(sku)).toBe(6);
		expect(await stub.flushEvents()).toBe(true);
		expect(await d1EventCount(sku)).toBe(6);

		// A crash after D1 committed but before the outbox rows were deleted: the
		// same rows are sent again on the next flush.
		const sent = await allEvents(sku, 100);
		await runInDurableObject(stub, (_: InventoryObject, state) => {
			for (const e of sent) {
				state.storage.sql.exec(
					"INSERT INTO outbox (seq, event) VALUES (?, ?)",
					e.seq,
					JSON.stringify(e),
				);
			}
		});
		expect(await stub.flushEvents()).toBe(true);
		expect(await d1EventCount(sku)).toBe(6);
		expect(await allEvents(sku, 100)).toEqual(sent);
		const left = await runInDurableObject(
			stub,
			(_: InventoryObject, state) =>
				state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n,
		);
		expect(left).toBe(0);
	});
});

describe("the events endpoint", () => {
	it("answers 404 unknown_sku for a SKU nobody created, and 400 naming the parameter for a bad cursor", async () => {
		const missing = await call("GET", "/api/admin/products/NOPE-x/events", { token: ADMIN });
		expect(missing.status).toBe(404);
		expect(missing.body.error?.code).toBe("unknown_sku");
		const sku = await createProduct();
		for (const query of [
			"?limit=0",
			"?limit=1001",
			"?limit=abc",
			"?after=-1",
			"?after=x",
			"?limit=1.5",
			// Digits only, as metrics' seconds: nothing a number parser would also read.
			"?limit=1e2",
			"?limit=0x10",
			"?limit=%205",
			"?limit=+5",
			"?limit=5.0",
		]) {
			const res = await call("GET", `/api/admin/products/${sku}/events${query}`, { token: ADMIN });
			expect(res.status, query).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(query.includes("limit") ? /limit/ : /after/);
		}
	});
});
