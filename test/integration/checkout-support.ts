// Shared steps of the checkout tests: reserve, pay, look inside the SKU's object.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { SimulatedProvider, type SimulatedProviderStats } from "../../src/payment/index.ts";
import { SqlSimStore } from "../../src/payment/sql-store.ts";
import type { Availability, EventType, Order, Reservation } from "../../src/shared/types.ts";
import { ADMIN, type ApiResponse, call } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import type { ScriptedPayments } from "./scripted-payments.ts";
import type { InventoryObject } from "./worker.ts";

/** The SKU's object (objects.ts stubOf, under the name the checkout tests know it by). */
export const stub = stubOf;

/** The live object's payment provider (test/integration/worker.ts), to make it slow or lossy. */
export function withPayments<R>(
	sku: string,
	fn: (payments: ScriptedPayments) => R | Promise<R>,
): Promise<R> {
	return runInDurableObject(stub(sku), (instance: InventoryObject) => fn(instance.payments));
}

/** The simulated provider's own counters, read from its records in the object's SQLite. */
export function providerStats(sku: string): Promise<SimulatedProviderStats> {
	return runInDurableObject(stub(sku), (_instance, state) =>
		new SimulatedProvider({ store: new SqlSimStore(state.storage.sql) }).stats(),
	);
}

export async function reserve(token: string, sku: string, quantity = 1): Promise<string> {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data?.reservationId ?? "";
}

export function pay(
	token: string,
	reservationId: string,
	paymentMethod: string,
	key: string = crypto.randomUUID(),
): Promise<ApiResponse<Order>> {
	return call<Order>("POST", "/api/checkout", {
		token,
		body: { reservationId, paymentMethod },
		headers: { "idempotency-key": key },
	});
}

export async function reservation(token: string, id: string): Promise<Reservation | undefined> {
	return (await call<Reservation>("GET", `/api/reservations/${id}`, { token })).body.data;
}

export async function availability(sku: string): Promise<Availability> {
	const res = await call<Availability>("GET", `/api/products/${sku}/availability`);
	const a = res.body.data as Availability;
	// available is total − reserved − sold by construction (src/domain/inventory.ts).
	expect(a.available).toBeGreaterThanOrEqual(0);
	return a;
}

export interface EventRow {
	type: EventType;
	reservationId?: string;
	orderId?: string;
	quantity?: number;
	detail?: Record<string, unknown>;
}

/** The audit trail as stored in D1 (the admin endpoint flushes the outbox first). */
export async function events(sku: string): Promise<EventRow[]> {
	const res = await call<{ events: EventRow[] }>(
		"GET",
		`/api/admin/products/${sku}/events?limit=1000`,
		{
			token: ADMIN,
		},
	);
	expect(res.status).toBe(200);
	return res.body.data?.events ?? [];
}

/** The types of one reservation's events, in order. */
export async function trailOf(sku: string, reservationId: string): Promise<EventType[]> {
	return (await events(sku)).filter((e) => e.reservationId === reservationId).map((e) => e.type);
}

/** Runs the object's alarm (the compensation) and waits until the provider has refunded once. */
export async function compensate(sku: string): Promise<void> {
	await runDurableObjectAlarm(stub(sku));
	await vi.waitFor(async () => expect(await providerStats(sku)).toMatchObject({ refunds: 1 }), {
		timeout: 10_000,
		interval: 100,
	});
}

export interface OrderRow {
	order_id: string;
	sku: string;
	reservation_id: string;
	session_id: string;
	quantity: number;
	amount_cents: number;
	currency: string;
	payment_id: string | null;
	status: string;
	paid_at: string;
}

/** D1's orders table for one SKU; call `events(sku)` first so the outbox has been flushed. */
export async function d1Orders(sku: string): Promise<OrderRow[]> {
	const { results } = await env.DB.prepare("SELECT * FROM orders WHERE sku = ? ORDER BY paid_at")
		.bind(sku)
		.all<OrderRow>();
	return results;
}
