// The outbox's D1 batches (src/inventory/outbox.ts d1Statements, src/inventory/projections.ts):
// events go in row-set inserts (one JSON parameter for the rows) and orders take their amount from
// the payment event of the same batch, or from D1 when that event went in an earlier batch; a
// re-sent batch inserts nothing twice; a refund marks its order; every column comes back as it was
// put in, and a batch too large for one parameter is split.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1_ROW_SET_MAX_CHARS, d1Statements } from "../../src/inventory/outbox.ts";
import {
	catalogueProjection,
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
	it("writes a batch's events and orders in one statement each, once, and marks a refund", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event, paid } = trail(sku);
		const ORDERS = 25;
		const events: AuditEvent[] = [];
		for (let i = 0; i < ORDERS; i++) events.push(...paid(i, 1_000 + i));
		events.push(event("payment.refunded", { reservationId: `rsv_3~${sku}` }));
		const project = projectAll(orderProjection(env.DB), catalogueProjection(env.DB));

		const statements = d1Statements(env.DB, events, project);
		// The events, the orders, the refund.
		expect(statements).toHaveLength(3);
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

	it("gives back every column of an event as it was put in", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event } = trail(sku);
		const detail = {
			name: 'Quote " backslash \\ newline \n tab \t ünïcödé \u2028 😀',
			nested: { list: [1, 2.5, -3e-7, 1e21, true, null], empty: {} },
			amountCents: 2 ** 40,
		};
		const full = event("payment.succeeded", {
			reservationId: `rsv_1~${sku}`,
			orderId: `ord_1~${sku}`,
			quantity: 3,
			sessionId: "s1",
			detail,
		});
		const bare = event("product.updated");
		await env.DB.batch(d1Statements(env.DB, [full, bare], () => []));
		const { results } = await env.DB.prepare(
			"SELECT id, sku, seq, type, at, reservation_id, order_id, quantity, session_id, detail, typeof(seq) AS seq_type, typeof(quantity) AS quantity_type FROM events WHERE sku = ? ORDER BY seq",
		)
			.bind(sku)
			.all();
		expect(results).toEqual([
			{
				id: full.id,
				sku,
				seq: full.seq,
				type: "payment.succeeded",
				at: AT,
				reservation_id: `rsv_1~${sku}`,
				order_id: `ord_1~${sku}`,
				quantity: 3,
				session_id: "s1",
				detail: JSON.stringify(detail),
				seq_type: "integer",
				quantity_type: "integer",
			},
			{
				id: bare.id,
				sku,
				seq: bare.seq,
				type: "product.updated",
				at: AT,
				reservation_id: null,
				order_id: null,
				quantity: null,
				session_id: null,
				detail: null,
				seq_type: "integer",
				quantity_type: "null",
			},
		]);
	});

	it("splits a batch whose rows are too long for one parameter, and writes every row", async () => {
		const sku = `OUTBOX-D1-${crypto.randomUUID().slice(0, 8)}`;
		const { event } = trail(sku);
		// Each event's row is a little over a tenth of the limit: ten fit in no statement.
		const note = "x".repeat(Math.ceil(D1_ROW_SET_MAX_CHARS / 10));
		const events = Array.from({ length: 25 }, () => event("product.updated", { detail: { note } }));
		const statements = d1Statements(env.DB, events, () => []);
		expect(statements.length).toBeGreaterThanOrEqual(3);
		await env.DB.batch(statements);
		expect(await d1EventCount(sku)).toBe(events.length);
	});
});
