// Saga rows staged until the end of the turn, and sagas stepped within the admission's turn
// when the provider answers within the call (docs/decisions/037-checkouts-stage-saga-rows.md):
// a batch of checkouts writes each saga row once, in its last state; a copy later in the batch
// gets the same answer; a second key after a decline in the same batch pays the hold, as one
// at a time; and a provider outside the object hears of a call only once its step is written.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CheckoutRequest, CheckoutResult } from "../../src/domain/checkout-state.ts";
import {
	ADMISSIONS_PER_STATEMENT,
	SAGAS_PER_STATEMENT,
} from "../../src/inventory/checkout-store.ts";
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
): Promise<{
	answers: CheckoutResult[];
	batches: number;
	sagaWrites: number;
	admissionReads: { batch: number; single: number };
}> {
	return runInDurableObject(stub(sku), async (instance: InventoryObject, state) => {
		// Count the statements that write saga rows while the batch runs.
		const { sql } = state.storage;
		const exec = sql.exec.bind(sql);
		let sagaWrites = 0;
		// Admission's reads of saga rows: the batch's prefetch, or one request's own read.
		const admissionReads = { batch: 0, single: 0 };
		sql.exec = ((query: string, ...bindings: unknown[]) => {
			if (query.startsWith("INSERT INTO checkouts")) sagaWrites += 1;
			if (query.startsWith("WITH r(rid, sid, ckey)")) admissionReads.batch += 1;
			if (query.includes("WHERE c.reservation_id = ? OR")) admissionReads.single += 1;
			return exec(query, ...bindings);
		}) as typeof sql.exec;
		try {
			const before = instance.checkoutBatches();
			const answers = await Promise.all(requests.map((req) => instance.checkout(req)));
			return {
				answers,
				batches: instance.checkoutBatches() - before,
				sagaWrites,
				admissionReads,
			};
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

	it("reads a batch's admissions in one statement per ADMISSIONS_PER_STATEMENT requests, answering as one at a time", async () => {
		const earlier = 4;
		const fresh = ADMISSIONS_PER_STATEMENT + 3;
		const s = await holdsOf(earlier + fresh + 1);
		const holdAt = (i: number) => s.holds[i] as string;
		const first = await together(
			s.sku,
			Array.from({ length: earlier }, (_, i) => ask(s.sku, s.sessionId, holdAt(i), `k-${i}`)),
		);
		for (const a of first.answers) expect(a).toMatchObject({ ok: true });
		const orderOf = (a: CheckoutResult | undefined) =>
			(a as { order: { orderId: string } }).order.orderId;
		const spare = holdAt(earlier + fresh);
		const asks = [
			// Copies of written sagas: the same orders, from the rows read up front.
			ask(s.sku, s.sessionId, holdAt(0), "k-0"),
			ask(s.sku, s.sessionId, holdAt(1), "k-1"),
			// A written saga's key on another hold, and another key on a paid hold.
			ask(s.sku, s.sessionId, spare, "k-2"),
			ask(s.sku, s.sessionId, holdAt(3), "k-other"),
			// New payments, more than one statement's worth, and a copy of one of them.
			...Array.from({ length: fresh }, (_, i) =>
				ask(s.sku, s.sessionId, holdAt(earlier + i), `k-new-${i}`),
			),
			ask(s.sku, s.sessionId, holdAt(earlier), "k-new-0"),
		];
		const { answers, batches, admissionReads } = await together(s.sku, asks);
		expect(batches).toBe(1);
		expect(admissionReads).toEqual({
			batch: Math.ceil(asks.length / ADMISSIONS_PER_STATEMENT),
			single: 0,
		});
		expect(orderOf(answers[0])).toBe(orderOf(first.answers[0]));
		expect(orderOf(answers[1])).toBe(orderOf(first.answers[1]));
		expect(answers[2]).toMatchObject({ ok: false, code: "invalid_request" });
		expect(answers[3]).toMatchObject({ ok: false, code: "invalid_state" });
		const paid = answers.slice(4, 4 + fresh);
		for (const a of paid) expect(a).toMatchObject({ ok: true, order: { status: "PAID" } });
		expect(answers[4 + fresh]).toEqual(answers[4]);
		expect(await reservation(s.token, spare)).toMatchObject({ status: "RESERVED" });
		expect(await providerStats(s.sku)).toMatchObject({
			chargeCalls: earlier + fresh,
			captures: earlier + fresh,
		});
	});

	it("reads admissions one by one once a batch writes saga rows to SQLite, as one at a time", async () => {
		// A decline retires its saga (a DELETE and a failure row in SQLite) within the batch:
		// what was read up front is stale from then on, and later requests read their own rows.
		const s = await holdsOf(2);
		const hold = holdAt(s, 0);
		const declined = ask(s.sku, s.sessionId, hold, "k-declined", "pm_card_chargeDeclined");
		const visa = ask(s.sku, s.sessionId, hold, "k-visa");
		const other = ask(s.sku, s.sessionId, holdAt(s, 1), "k-declined");
		const { answers, admissionReads } = await together(s.sku, [declined, visa, other, visa]);
		expect(admissionReads.batch).toBe(1);
		expect(admissionReads.single).toBe(3);
		expect(answers[0]).toMatchObject({ ok: false, code: "payment_declined" });
		expect(answers[1]).toMatchObject({ ok: true, order: { status: "PAID" } });
		expect(answers[2]).toMatchObject({ ok: false, code: "invalid_request" });
		expect(answers[3]).toEqual(answers[1]);
	});
});

function holdAt(s: { holds: string[] }, i: number): string {
	return s.holds[i] as string;
}
