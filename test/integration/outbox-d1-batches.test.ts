// The outbox's D1 batches (src/inventory/outbox.ts d1Statements, src/inventory/projections.ts):
// events go in multi-row inserts and orders take their amount from the payment event of the same
// batch, or from D1 when that event went in an earlier batch; a re-sent batch inserts nothing
// twice; a refund marks its order.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1_EVENTS_PER_STATEMENT, d1Statements } from "../../src/inventory/outbox.ts";
import {
	catalogueProjection,
	ORDERS_PER_STATEMENT,
	orderProjection,
	projectAll,
} from "../../src/inventory/projections.ts";
import type { AuditEvent } from "../../src/shared/types.ts";
import { d1Orders } from "./checkout-support.ts";
import { d1EventCount } from "./helpers.ts";

const AT = "2026-11-29T19:00:00.000Z";

/** A trail for `sku` whose seq counts from 1 in the order the events are made. */
function trail(sku: string) {
	let seq = 0;
	const event = (type: AuditEvent["type"], fields: Partial<AuditEvent> = {}): AuditEvent => {
		seq += 1;
		return { id: `${sku}:${seq}`, seq, sku, type, at: AT, ...fields };
	};
	const paid = (i: number, amountCents: number): AuditEvent[] => {
		const reservationId = `rsv_${i}~${sku}`;
		const orderId = `ord_${i}~${sku}`;
		const who = { reservationId, orderId, sessionId: `s${i}`, quantity: 1 };
		return [
			event("payment.succeeded", {
				...who,
				detail: { paymentId: `pi_sim_${i}`, amountCents, currency: "EUR", attempts: 1 },
			}),
			event("order.created", who),
		];
	};
	return { event, paid };
}

describe("the outbox's D1 batch", () => {
	it("writes a batch's events and orders in multi-row inserts, once, and marks a refund", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event, paid } = trail(sku);
		const ORDERS = 25;
		const events: AuditEvent[] = [];
		for (let i = 0; i < ORDERS; i++) events.push(...paid(i, 1_000 + i));
		events.push(event("payment.refunded", { reservationId: `rsv_3~${sku}` }));
		const project = projectAll(orderProjection(env.DB), catalogueProjection(env.DB));

		const statements = d1Statements(env.DB, events, project);
		expect(statements).toHaveLength(
			Math.ceil(events.length / D1_EVENTS_PER_STATEMENT) +
				Math.ceil(ORDERS / ORDERS_PER_STATEMENT) +
				1,
		);
		await env.DB.batch(statements);
		// Re-sent after a crash between D1's commit and the outbox's delete: nothing twice.
		await env.DB.batch(d1Statements(env.DB, events, project));

		expect(await d1EventCount(sku)).toBe(events.length);
		const orders = await d1Orders(sku);
		expect(orders).toHaveLength(ORDERS);
		for (let i = 0; i < ORDERS; i++) {
			const row = orders.find((o) => o.order_id === `ord_${i}~${sku}`);
			expect(row).toEqual({
				order_id: `ord_${i}~${sku}`,
				sku,
				reservation_id: `rsv_${i}~${sku}`,
				session_id: `s${i}`,
				quantity: 1,
				amount_cents: 1_000 + i,
				currency: "EUR",
				payment_id: `pi_sim_${i}`,
				status: i === 3 ? "REFUNDED" : "PAID",
				paid_at: AT,
			});
		}
	});

	it("reads an order's payment from D1 when it went in an earlier batch", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event, paid } = trail(sku);
		const [payment, created] = paid(0, 4_200) as [AuditEvent, AuditEvent];
		// An unrelated later payment of the same reservation in D1 (a re-sent later batch) is not
		// the one this order was created from.
		const later = event("payment.succeeded", {
			reservationId: created.reservationId,
			detail: { paymentId: "pi_sim_later", amountCents: 1, currency: "USD" },
		});
		const project = orderProjection(env.DB);
		await env.DB.batch(d1Statements(env.DB, [payment], project));
		await env.DB.batch(d1Statements(env.DB, [later], project));
		await env.DB.batch(d1Statements(env.DB, [created], project));

		expect(await d1Orders(sku)).toMatchObject([
			{ order_id: created.orderId, amount_cents: 4_200, currency: "EUR", payment_id: "pi_sim_0" },
		]);
	});

	it("skips an order whose payment event is nowhere, without failing the batch", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event } = trail(sku);
		const orphan = event("order.created", {
			reservationId: `rsv_x~${sku}`,
			orderId: `ord_x~${sku}`,
			quantity: 1,
		});
		await env.DB.batch(d1Statements(env.DB, [orphan], orderProjection(env.DB)));
		expect(await d1EventCount(sku)).toBe(1);
		expect(await d1Orders(sku)).toEqual([]);
	});
});
