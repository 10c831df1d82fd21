// Saga rows staged until the end of the turn, and sagas stepped within the admission's turn
// when the provider answers within the call (docs/decisions/037-checkouts-stage-saga-rows.md):
// a batch of checkouts writes each saga row once, in its last state; a copy later in the batch
// gets the same answer; a second key after a decline in the same batch pays the hold, as one
// at a time; and a provider outside the object hears of a call only once its step is written.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CheckoutRequest, CheckoutResult } from "../../src/domain/checkout-state.ts";
import { SAGAS_PER_STATEMENT } from "../../src/inventory/checkout-store.ts";
import { newId } from "../../src/worker/ids.ts";
import { providerStats, reservation, reserve, stub } from "./checkout-support.ts";
import { createProduct, newSession } from "./helpers.ts";
import type { InventoryObject } from "./worker.ts";

const PAID_IN_BATCH = 12;

/** `count` holds of one session on a new SKU, with that session's id as the object knows it. */
async function holdsOf(count: number): Promise<{
	sku: string;
	token: string;
	holds: string[];
	sessionId: string;
}> {
	const sku = await createProduct({ totalStock: count + 2, perUserLimit: count + 2 });
	const token = await newSession();
	const holds: string[] = [];
	for (let i = 0; i < count; i++) holds.push(await reserve(token, sku));
	const sessionId = await runInDurableObject(
		stub(sku),
		(_instance, state) =>
			state.storage.sql
				.exec<{ session_id: string }>("SELECT session_id FROM holds WHERE id = ?", holds[0])
				.one().session_id,
	);
	return { sku, token, holds, sessionId };
}

function ask(
	sku: string,
	sessionId: string,
	reservationId: string,
	key: string,
	method = "pm_card_visa",
): CheckoutRequest {
	return {
		reservationId,
		sessionId,
		idempotencyKey: key,
		paymentMethod: method,
		orderId: newId("ord", sku),
	};
}

/** All requests in one turn, straight to the object: they share a batch. */
function together(
	sku: string,
	requests: CheckoutRequest[],
): Promise<{ answers: CheckoutResult[]; batches: number; sagaWrites: number }> {
	return runInDurableObject(stub(sku), async (instance: InventoryObject, state) => {
		// Count the statements that write saga rows while the batch runs.
		const { sql } = state.storage;
		const exec = sql.exec.bind(sql);
		let sagaWrites = 0;
		sql.exec = ((query: string, ...bindings: unknown[]) => {
			if (query.startsWith("INSERT INTO checkouts")) sagaWrites += 1;
			return exec(query, ...bindings);
		}) as typeof sql.exec;
		try {
			const before = instance.checkoutBatches();
			const answers = await Promise.all(requests.map((req) => instance.checkout(req)));
			return { answers, batches: instance.checkoutBatches() - before, sagaWrites };
		} finally {
			sql.exec = exec;
		}
	});
}

describe("checkout saga rows staged per turn", () => {
	it("writes a batch's saga rows once each, in multi-row statements, and they are durable", async () => {
		const s = await holdsOf(PAID_IN_BATCH);
		const asks = s.holds.map((id, i) => ask(s.sku, s.sessionId, id, `k-${i}`));
		const { answers, batches, sagaWrites } = await together(s.sku, asks);
		expect(batches).toBe(1);
		for (const a of answers) expect(a).toMatchObject({ ok: true, order: { status: "PAID" } });
		// Written in its last state only (PAID), not once at the attempt and again at the order.
		expect(sagaWrites).toBe(Math.ceil(PAID_IN_BATCH / SAGAS_PER_STATEMENT));
		const rows = await runInDurableObject(stub(s.sku), (_instance, state) =>
			state.storage.sql
				.exec<{ step: string; n: number }>(
					"SELECT step, COUNT(*) AS n FROM checkouts GROUP BY step",
				)
				.toArray(),
		);
		expect(rows).toEqual([{ step: "paid", n: PAID_IN_BATCH }]);
		expect(await providerStats(s.sku)).toMatchObject({
			chargeCalls: PAID_IN_BATCH,
			captures: PAID_IN_BATCH,
		});
		// A copy sent after the batch replays the same order from the written row.
		const [again] = await together(s.sku, [asks[0] as CheckoutRequest]).then((r) => r.answers);
		expect(again).toMatchObject({
			ok: true,
			order: { orderId: (answers[0] as { order: { orderId: string } }).order.orderId },
		});
	});

	it("answers copies later in the batch with the same answer, charged once", async () => {
		const s = await holdsOf(2);
		const first = ask(s.sku, s.sessionId, s.holds[0] as string, "k-copy");
		const other = ask(s.sku, s.sessionId, s.holds[1] as string, "k-other");
		const { answers, batches } = await together(s.sku, [first, other, first, { ...first }]);
		expect(batches).toBe(1);
		expect(answers[0]).toMatchObject({ ok: true });
		expect(answers[2]).toEqual(answers[0]);
		expect(answers[3]).toEqual(answers[0]);
		expect(await providerStats(s.sku)).toMatchObject({ chargeCalls: 2, captures: 2 });
	});

	it("pays a hold under another key after its decline in the same batch, as one at a time", async () => {
		const s = await holdsOf(1);
		const hold = s.holds[0] as string;
		const declined = ask(s.sku, s.sessionId, hold, "k-declined", "pm_card_chargeDeclined");
		const visa = ask(s.sku, s.sessionId, hold, "k-visa");
		const { answers, batches } = await together(s.sku, [declined, visa, declined]);
		expect(batches).toBe(1);
		expect(answers[0]).toMatchObject({
			ok: false,
			code: "payment_declined",
			payment: { holdKept: true },
		});
		expect(answers[1]).toMatchObject({ ok: true, order: { status: "PAID" } });
		// The decline's copy answers the decline, whatever happened to the hold since.
		expect(answers[2]).toMatchObject({ ok: false, code: "payment_declined" });
		expect(await reservation(s.token, hold)).toMatchObject({ status: "PAID" });
		expect(await providerStats(s.sku)).toMatchObject({ chargeCalls: 2, captures: 1 });
	});

	it("writes the attempt before a provider outside the object hears of the call", async () => {
		const s = await holdsOf(3);
		const seen: { step: string; charge_attempts: number }[][] = [];
		await runInDurableObject(stub(s.sku), (instance: InventoryObject, state) => {
			instance.payments.outside = true;
			instance.payments.onCharge = (req) => {
				const reservationId = req.metadata?.reservationId;
				seen.push(
					state.storage.sql
						.exec<{ step: string; charge_attempts: number }>(
							"SELECT step, charge_attempts FROM checkouts WHERE reservation_id = ?",
							reservationId ?? "",
						)
						.toArray(),
				);
			};
		});
		const asks = s.holds.map((id, i) => ask(s.sku, s.sessionId, id, `k-out-${i}`));
		const { answers, batches } = await together(s.sku, asks);
		expect(batches).toBe(1);
		for (const a of answers) expect(a).toMatchObject({ ok: true });
		expect(seen).toHaveLength(s.holds.length);
		for (const rows of seen) expect(rows).toEqual([{ step: "charging", charge_attempts: 1 }]);
	});
});
