// When the cool-down after a session's own unpaid hold starts, and what a payment does to it
// (src/domain/hold-cooldown.ts; docs/decisions/135-the-cool-down-from-the-holds-own-end.md), in
// workerd through HTTP. An expiry cools from the hold's expiresAt however late the object records
// it, as a restart rebuilds it from the stored row; a buyer who cancelled to change the quantity,
// re-reserved and paid is not cooling after paying. The clock is the test's own (held-clock.ts).
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import { cooldownMs } from "../../src/domain/hold-cooldown.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { pay } from "./checkout-support.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, createProduct, newSession } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const HOLD_SECONDS = 30;
const COOL_MS = cooldownMs(HOLD_SECONDS);

const objectsOf = (sku: string, shards: number) =>
	Array.from({ length: shards }, (_, i) => stubOf(i === 0 ? sku : shardName(sku, i)));

function reserve(sku: string, token: string, quantity = 1) {
	return call<Reservation>("POST", "/api/reservations", { token, body: { sku, quantity } });
}

async function held(sku: string, token: string, quantity = 1): Promise<Reservation> {
	const res = await reserve(sku, token, quantity);
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

/** The alarm is late: taken away, so the expiry is recorded only by the next call that reads time. */
async function noAlarms(sku: string, shards: number): Promise<void> {
	for (const stub of objectsOf(sku, shards))
		await runInDurableObject(stub, async (_, state) => {
			await state.storage.deleteAlarm();
		});
}

describe("the cool-down runs from the hold's own end", { timeout: 60_000 }, () => {
	for (const shards of [1, 2] as const) {
		it(`an expiry recorded late cools from its expiresAt (${shards === 1 ? "one object" : "2 shards"})`, async () => {
			const sku = await createProduct({
				totalStock: 8,
				holdSeconds: HOLD_SECONDS,
				perUserLimit: 2,
				...(shards > 1 ? { shards } : {}),
			});
			const [a, b] = await Promise.all([newSession(), newSession()]);
			await withHeldClock(async (setMs) => {
				const first = await held(sku, a);
				const second = await held(sku, b);
				await noAlarms(sku, shards);
				const endA = Date.parse(first.expiresAt);
				// Recorded 5 s late, within the cool-down: the wait left counts from expiresAt.
				setMs(endA + 5_000);
				const cooling = await reserve(sku, a);
				expect(cooling.status, JSON.stringify(cooling.body)).toBe(429);
				expect(cooling.body.error?.code).toBe("hold_cooldown");
				expect(cooling.headers.get("retry-after")).toBe(String((COOL_MS - 5_000) / 1000));
				// Recorded after the cool-down is over (the object was down, the alarm late): taken.
				const endB = Date.parse(second.expiresAt);
				setMs(endB + COOL_MS + 1_000);
				const taken = await reserve(sku, b);
				expect(taken.status, JSON.stringify(taken.body)).toBe(201);
			});
		});
	}

	it("a payment after a cancel and a re-reserve leaves the session free, live and after a restart", async () => {
		const sku = await createProduct({ totalStock: 8, holdSeconds: HOLD_SECONDS, perUserLimit: 3 });
		const a = await newSession();
		await withHeldClock(async (setMs) => {
			const first = await held(sku, a);
			const cancelled = await call("DELETE", `/api/reservations/${first.reservationId}`, {
				token: a,
			});
			expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
			// A changed quantity: the same expiresAt, then paid.
			const again = await held(sku, a);
			expect(again.expiresAt).toBe(first.expiresAt);
			const paid = await pay(a, again.reservationId, "pm_card_visa");
			expect(paid.status, JSON.stringify(paid.body)).toBe(200);
			// Past the cancelled hold's time, the buyer who paid wants one more.
			setMs(Date.parse(first.expiresAt) + 1_000);
			const more = await reserve(sku, a);
			expect(more.status, JSON.stringify(more.body)).toBe(201);
			// The same after a restart, from the stored cancelled and paid holds.
			await evictDurableObject(stubOf(sku));
			const after = await reserve(sku, a);
			expect(after.status, JSON.stringify(after.body)).toBe(201);
		});
	});
});
