// Outbox rows are kept as the text of their D1 row (src/inventory/codec.ts eventRowText). A row
// written by a release that kept the event object itself (`{…}`) may still be pending when the
// object loads the new code: it reaches D1 with every column, and its projections, in the same
// batch as the rows of the new kind.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { d1Orders, reserve, stub } from "./checkout-support.ts";
import { createProduct, newSession } from "./helpers.ts";
import type { InventoryObject } from "./worker.ts";

const AT = "2026-11-30T00:30:00.000Z";

describe("outbox rows", () => {
	it("of the earlier kind reach D1 with their order, in one batch with rows of the new kind", async () => {
		const sku = await createProduct({ totalStock: 100 });
		const token = await newSession();
		const reservationId = await reserve(token, sku);
		// Far past the object's own sequence, so no event of its own takes these numbers.
		const seq = 1_000_000;
		const who = { reservationId, orderId: `ord_legacy~${sku}`, sessionId: "s-legacy", quantity: 1 };
		const legacy: AuditEvent[] = [
			{
				id: `${sku}:${seq}`,
				seq,
				sku,
				type: "payment.succeeded",
				at: AT,
				...who,
				detail: { paymentId: "pi_legacy", amountCents: 1_234, currency: "EUR", note: 'a "q" ü' },
			},
			{ id: `${sku}:${seq + 1}`, seq: seq + 1, sku, type: "order.created", at: AT, ...who },
		];
		const flushed = await runInDurableObject(
			stub(sku),
			async (instance: InventoryObject, state) => {
				const { sql } = state.storage;
				for (const event of legacy) {
					sql.exec(
						"INSERT INTO outbox (seq, event) VALUES (?, ?)",
						event.seq,
						JSON.stringify(event),
					);
				}
				// The hold's own row may still be pending too (the flush is debounced): one batch for all.
				const kinds = sql
					.exec<{ event: string }>("SELECT event FROM outbox ORDER BY seq")
					.toArray()
					.map((row) => row.event[0]);
				expect(kinds.at(-1)).toBe("{");
				const ok = await instance.flushEvents();
				const left = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
				return { ok, left };
			},
		);
		expect(flushed).toEqual({ ok: true, left: 0 });

		const { results } = await env.DB.prepare(
			"SELECT id, sku, seq, type, at, reservation_id, order_id, quantity, session_id, detail FROM events WHERE sku = ? ORDER BY seq",
		)
			.bind(sku)
			.all();
		expect(results.map((row) => row.type)).toEqual([
			"product.created",
			"reservation.created",
			"payment.succeeded",
			"order.created",
		]);
		expect(results.slice(2)).toEqual(
			legacy.map((e) => ({
				id: e.id,
				sku,
				seq: e.seq,
				type: e.type,
				at: AT,
				reservation_id: reservationId,
				order_id: who.orderId,
				quantity: 1,
				session_id: "s-legacy",
				detail: e.detail === undefined ? null : JSON.stringify(e.detail),
			})),
		);
		expect(await d1Orders(sku)).toMatchObject([
			{
				order_id: who.orderId,
				reservation_id: reservationId,
				amount_cents: 1_234,
				currency: "EUR",
				payment_id: "pi_legacy",
				status: "PAID",
				paid_at: AT,
			},
		]);
	});
});
