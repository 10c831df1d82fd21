// Holds end on their own (FR-3, docs/architecture.md): with
// holdSeconds 2 the alarm returns the units without anyone asking, and a read
// after expiresAt says EXPIRED even when the alarm has not run (lazy expiry).
// Real time, no fake clocks: the object reads Date.now() like in production.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Availability, Reservation } from "../../src/shared/types.ts";
import { call, createProduct, newSession } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const HOLD_SECONDS = 2;
/** How far past expiresAt the tests read (lazy expiry) or sample. */
const ALARM_SLACK_MS = 600;
/** How long past expiresAt the alarm may take on a loaded machine before the test gives up. */
const ALARM_DEADLINE_MS = 10_000;
/**
 * The sampled hold: long enough that the first read lands before it ends, on a loaded
 * machine too (with 2 s, the reserve and the alarm's removal took them all beside a second
 * suite copy, and no read came before expiresAt).
 */
const SAMPLED_HOLD_SECONDS = 5;

/** Reads the object's own storage, bypassing its RPC methods (which expire lazily). */
async function storedStatus(sku: string, id: string): Promise<string | undefined> {
	return runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
		const row = state.storage.sql
			.exec<{ status: string }>("SELECT status FROM holds WHERE id = ?", id)
			.toArray()[0];
		return row?.status;
	});
}

async function reserve(sku: string, token: string, quantity = 1): Promise<Reservation> {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity },
	});
	expect(res.status).toBe(201);
	return res.body.data as Reservation;
}

/** Takes the object's alarm away so only lazy expiry is left. */
async function removeAlarm(sku: string): Promise<void> {
	await runInDurableObject(stubOf(sku), async (_: InventoryObject, state) => {
		expect(await state.storage.getAlarm()).not.toBeNull();
		await state.storage.deleteAlarm();
	});
}

describe.concurrent("holds expire", { timeout: 30_000 }, () => {
	it("on their own: the alarm returns the units and records the expiry, with no read in between", async () => {
		const sku = await createProduct({ totalStock: 3, holdSeconds: HOLD_SECONDS });
		const token = await newSession();
		const hold = await reserve(sku, token, 2);
		expect(hold).toMatchObject({ status: "RESERVED", expiresInSeconds: HOLD_SECONDS });
		const expiresAtMs = Date.parse(hold.expiresAt);
		expect(expiresAtMs - Date.parse(hold.createdAt)).toBe(HOLD_SECONDS * 1000);

		await sleep(expiresAtMs - Date.now());
		// Straight from storage and D1: nothing but the alarm can change them here.
		const trail = () =>
			env.DB.prepare(
				"SELECT type, quantity FROM events WHERE sku = ? AND reservation_id = ? ORDER BY seq",
			)
				.bind(sku, hold.reservationId)
				.all<{ type: string; quantity: number }>();
		let status = await storedStatus(sku, hold.reservationId);
		let events = (await trail()).results;
		while (
			(status !== "EXPIRED" || events.length < 2) &&
			Date.now() < expiresAtMs + ALARM_DEADLINE_MS
		) {
			await sleep(100);
			status = await storedStatus(sku, hold.reservationId);
			events = (await trail()).results;
		}
		expect(status).toBe("EXPIRED");
		expect(events).toEqual([
			{ type: "reservation.created", quantity: 2 },
			{ type: "reservation.expired", quantity: 2 },
		]);

		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ total: 3, available: 3, reserved: 0, sold: 0 });
		// The units are back, for everyone else first: another session holds them, while the
		// same session cools down (src/domain/hold-cooldown.ts).
		const again = await reserve(sku, await newSession(), 2);
		expect(again.reservationId).not.toBe(hold.reservationId);
		const same = await call("POST", "/api/reservations", { token, body: { sku, quantity: 1 } });
		expect(same.status).toBe(429);
		expect(same.body.error).toMatchObject({ code: "hold_cooldown" });
	});

	it("also after the object was evicted: a fresh instance rebuilds its holds and expires them on read", async () => {
		const sku = await createProduct({ totalStock: 4, holdSeconds: HOLD_SECONDS, perUserLimit: 10 });
		const token = await newSession();
		const hold = await reserve(sku, token, 3);
		await removeAlarm(sku);
		await evictDurableObject(stubOf(sku));

		await sleep(Date.parse(hold.expiresAt) - Date.now() + ALARM_SLACK_MS);
		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ total: 4, available: 4, reserved: 0 });
		const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token,
		});
		expect(read.body.data?.status).toBe("EXPIRED");
	});

	it("and a read after expiresAt says EXPIRED even before the alarm has run", async () => {
		const sku = await createProduct({ totalStock: 3, holdSeconds: HOLD_SECONDS });
		const token = await newSession();
		const hold = await reserve(sku, token);
		await removeAlarm(sku);

		await sleep(Date.parse(hold.expiresAt) - Date.now() + ALARM_SLACK_MS);
		expect(await storedStatus(sku, hold.reservationId)).toBe("RESERVED"); // no alarm ran

		const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token,
		});
		expect(read.status).toBe(200);
		expect(read.body.data).toMatchObject({ status: "EXPIRED", expiresInSeconds: 0 });
		expect(await storedStatus(sku, hold.reservationId)).toBe("EXPIRED");
		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ available: 3, reserved: 0 });
		// An expired hold cannot be cancelled any more.
		const cancel = await call("DELETE", `/api/reservations/${hold.reservationId}`, { token });
		expect(cancel.status).toBe(409);
		expect(cancel.body.error?.code).toBe("invalid_state");
	});

	it("and availability never counts it as reserved at or after expiresAt", async () => {
		const sku = await createProduct({ totalStock: 5, holdSeconds: SAMPLED_HOLD_SECONDS });
		const token = await newSession();
		const hold = await reserve(sku, token, 2);
		await removeAlarm(sku);
		const expiresAtMs = Date.parse(hold.expiresAt);

		let before = 0;
		let after = 0;
		// Past the slack, and until a read taken after expiresAt came back (a slow read may
		// carry a copy from before it); the deadline only ends a run that hangs.
		while (
			(Date.now() < expiresAtMs + ALARM_SLACK_MS || after === 0) &&
			Date.now() < expiresAtMs + ALARM_DEADLINE_MS
		) {
			const res = await call<Availability>("GET", `/api/products/${sku}/availability`);
			const a = res.body.data as Availability;
			// available is total − reserved − sold by construction (src/domain/inventory.ts).
			expect(a.available).toBeGreaterThanOrEqual(0);
			if (Date.parse(a.asOf) >= expiresAtMs) {
				expect(a.reserved).toBe(0);
				after += 1;
			} else {
				expect(a.reserved).toBe(2);
				before += 1;
			}
			await sleep(50);
		}
		expect(before).toBeGreaterThan(0);
		expect(after).toBeGreaterThan(0);
	});
});

describe("cancelling a hold", () => {
	it("returns its units at once; a second cancel is invalid_state; other sessions see 404", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const token = await newSession();
		const other = await newSession();
		const hold = await reserve(sku, token, 2);

		const foreign = await call("DELETE", `/api/reservations/${hold.reservationId}`, {
			token: other,
		});
		expect(foreign.status).toBe(404);
		expect(
			(await call("GET", `/api/reservations/${hold.reservationId}`, { token: other })).status,
		).toBe(404);

		const cancel = await call<Reservation>("DELETE", `/api/reservations/${hold.reservationId}`, {
			token,
		});
		expect(cancel.status).toBe(200);
		expect(cancel.body.data).toMatchObject({ status: "CANCELLED", quantity: 2 });
		const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
		expect(availability.body.data).toMatchObject({ available: 2, reserved: 0 });

		const twice = await call("DELETE", `/api/reservations/${hold.reservationId}`, { token });
		expect(twice.status).toBe(409);
		expect(twice.body.error?.code).toBe("invalid_state");
		const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token,
		});
		expect(read.body.data?.status).toBe("CANCELLED");
	});
});
