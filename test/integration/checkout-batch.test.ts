// Group commit of checkouts (docs/checkout.md, "What a checkout costs"): requests that
// reach the SKU's object together are admitted in one batch, in arrival order, and must
// answer exactly as the same requests one at a time. The requests are sent straight to
// the object from inside it, all in one turn, so they are certain to share a batch.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CheckoutRequest, CheckoutResult } from "../../src/domain/checkout-state.ts";
import { newId } from "../../src/worker/ids.ts";
import { providerStats, reservation, reserve, stub } from "./checkout-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";
import type { InventoryObject } from "./worker.ts";

interface Ask {
	/** Which hold of the scenario (an index into its holds), or null for an unknown id. */
	hold: number | null;
	/** Whose session sends it (an index into its sessions). */
	from: number;
	key: string;
	method: string;
}

/** Mixed on purpose: payments that succeed, fail, time out once; copies; a second key; strangers. */
const ASKS: Ask[] = [
	{ hold: 0, from: 0, key: "k-visa", method: "pm_card_visa" },
	{ hold: 0, from: 0, key: "k-visa", method: "pm_card_visa" }, // a copy in the same batch
	{ hold: 0, from: 0, key: "k-other", method: "pm_card_visa" }, // another key on a hold being paid
	{ hold: 1, from: 0, key: "k-declined", method: "pm_card_chargeDeclined" },
	{ hold: 2, from: 0, key: "k-error", method: "pm_sim_error" },
	{ hold: 3, from: 1, key: "k-timeout", method: "pm_sim_timeout" }, // unknown once, then captured
	{ hold: 4, from: 0, key: "k-stranger", method: "pm_card_visa" }, // session 1's hold
	{ hold: null, from: 0, key: "k-unknown", method: "pm_card_visa" },
	{ hold: 1, from: 0, key: "k-declined", method: "pm_card_chargeDeclined" }, // the decline's copy
	{ hold: 5, from: 1, key: "k-visa-2", method: "pm_card_visa" },
];
/** Who holds each hold of the scenario. */
const HOLD_OWNERS = [0, 0, 0, 1, 1, 1];

interface Scenario {
	sku: string;
	tokens: string[];
	holds: string[];
	requests: CheckoutRequest[];
}

async function scenario(): Promise<Scenario> {
	const sku = await createProduct({ totalStock: 10, perUserLimit: 10 });
	const tokens = [await newSession(), await newSession()];
	const holds: string[] = [];
	for (const owner of HOLD_OWNERS) holds.push(await reserve(tokens[owner] as string, sku));
	const sessions = await runInDurableObject(stub(sku), (_instance, state) =>
		holds.map(
			(id) =>
				state.storage.sql
					.exec<{ session_id: string }>("SELECT session_id FROM holds WHERE id = ?", id)
					.one().session_id,
		),
	);
	const sessionOf = (who: number) => sessions[HOLD_OWNERS.indexOf(who)] as string;
	const requests = ASKS.map((ask) => ({
		reservationId: ask.hold === null ? newId("rsv", sku) : (holds[ask.hold] as string),
		sessionId: sessionOf(ask.from),
		idempotencyKey: ask.key,
		paymentMethod: ask.method,
		orderId: newId("ord", sku),
	}));
	return { sku, tokens, holds, requests };
}

/** Units as the object's hold records count them (the edge's copy of availability may lag). */
async function units(sku: string): Promise<{ sold: number; reserved: number }> {
	const res = await call<{ sold: number; reserved: number }>(
		"GET",
		`/api/admin/products/${sku}/stats`,
		{ token: ADMIN },
	);
	expect(res.status).toBe(200);
	const { sold, reserved } = res.body.data as { sold: number; reserved: number };
	return { sold, reserved };
}

/** All requests in one turn; resolves with their answers and how many batches admitted them. */
function together(
	sku: string,
	requests: CheckoutRequest[],
): Promise<{ answers: CheckoutResult[]; batches: number }> {
	return runInDurableObject(stub(sku), async (instance: InventoryObject) => {
		const before = instance.checkoutBatches();
		const answers = await Promise.all(requests.map((req) => instance.checkout(req)));
		return { answers, batches: instance.checkoutBatches() - before };
	});
}

async function oneAtATime(sku: string, requests: CheckoutRequest[]): Promise<CheckoutResult[]> {
	const answers: CheckoutResult[] = [];
	for (const req of requests) {
		answers.push(
			await runInDurableObject(stub(sku), (instance: InventoryObject) => instance.checkout(req)),
		);
	}
	return answers;
}

/**
 * What a buyer is told, without what differs between two SKUs (ids, times) and without
 * `replayed`, which the API does not send. The order id is replaced by the index of the
 * first answer that named it, so "the copy got the same order" is compared too.
 */
function told(answers: CheckoutResult[]): unknown[] {
	const orders: string[] = [];
	return answers.map((a) => {
		if (!a.ok) return { ok: false, code: a.code, payment: a.payment ?? null };
		if (!orders.includes(a.order.orderId)) orders.push(a.order.orderId);
		return {
			ok: true,
			order: orders.indexOf(a.order.orderId),
			status: a.order.status,
			quantity: a.order.quantity,
			amountCents: a.order.amountCents,
		};
	});
}

describe("checkouts admitted together", () => {
	it("answer exactly as one at a time would, admitted in one batch", async () => {
		const batch = await scenario();
		const serial = await scenario();
		const { answers, batches } = await together(batch.sku, batch.requests);
		expect(batches).toBe(1);
		const alone = await oneAtATime(serial.sku, serial.requests);
		expect(told(answers)).toEqual(told(alone));

		// Spelled out, so that "equal" cannot mean "equally wrong".
		const [paid, copy, otherKey, declined, error, timedOut, stranger, unknown, declinedCopy] =
			answers;
		expect(paid?.ok).toBe(true);
		expect(copy).toEqual(paid);
		expect(otherKey).toMatchObject({ ok: false, code: "invalid_state" });
		expect(declined).toMatchObject({
			ok: false,
			code: "payment_declined",
			payment: { outcome: "declined", holdKept: true },
		});
		expect(declinedCopy).toMatchObject({ ok: false, code: "payment_declined" });
		expect(error).toMatchObject({ payment: { outcome: "provider_error", holdKept: true } });
		expect(timedOut?.ok).toBe(true);
		expect(stranger).toMatchObject({ ok: false, code: "not_found" });
		expect(unknown).toMatchObject({ ok: false, code: "not_found" });

		// The same units moved and the same money was taken, once per paid hold.
		for (const s of [batch, serial]) {
			expect(await units(s.sku)).toEqual({ sold: 3, reserved: 3 });
			expect(await providerStats(s.sku)).toMatchObject({ captures: 3, refunds: 0 });
			expect(await reservation(s.tokens[0] as string, s.holds[0] as string)).toMatchObject({
				status: "PAID",
			});
			expect(await reservation(s.tokens[0] as string, s.holds[1] as string)).toMatchObject({
				status: "RESERVED",
			});
		}
	});

	it("answers a request retried with its key inside the batch with the same order, charged once", async () => {
		const s = await scenario();
		const first = s.requests[0] as CheckoutRequest;
		const copies = [first, { ...first, orderId: newId("ord", s.sku) }, first];
		const { answers, batches } = await together(s.sku, copies);
		expect(batches).toBe(1);
		expect(answers[0]?.ok).toBe(true);
		for (const a of answers) expect(a).toEqual(answers[0]);
		expect(await providerStats(s.sku)).toMatchObject({ chargeCalls: 1, captures: 1 });
		// And after the batch, the key still answers the same order.
		const [again] = await oneAtATime(s.sku, [first]);
		expect(again).toMatchObject({
			ok: true,
			order: { orderId: (answers[0] as { order: { orderId: string } }).order.orderId },
		});
	});

	it("keeps a provider that fails one payment, or throws on it, from failing the others", async () => {
		const s = await scenario();
		await runInDurableObject(stub(s.sku), (instance: InventoryObject) => {
			// A crash right after the provider answered one payment (a bug, not an outcome).
			instance.payments.afterCharge = (outcome) => {
				if (outcome.kind === "declined") throw new Error("injected crash on one payment");
				return undefined;
			};
		});
		const [visa, , , declined, error, , , , , visa2] = s.requests as CheckoutRequest[];
		const asks = [visa, declined, error, visa2] as CheckoutRequest[];
		const settled = await runInDurableObject(stub(s.sku), async (instance: InventoryObject) => {
			const before = instance.checkoutBatches();
			const results = await Promise.allSettled(asks.map((req) => instance.checkout(req)));
			return { results, batches: instance.checkoutBatches() - before };
		});
		expect(settled.batches).toBe(1);
		const [a, b, c, d] = settled.results;
		expect(a).toMatchObject({ status: "fulfilled", value: { ok: true } });
		expect(b).toMatchObject({ status: "rejected" });
		expect(c).toMatchObject({
			status: "fulfilled",
			value: { ok: false, payment: { outcome: "provider_error" } },
		});
		expect(d).toMatchObject({ status: "fulfilled", value: { ok: true } });
		// The crashed payment is left for the alarm to resume (CHECKOUT_PENDING), the others settled.
		expect(await reservation(s.tokens[0] as string, s.holds[1] as string)).toMatchObject({
			status: "CHECKOUT_PENDING",
		});
		expect(await units(s.sku)).toEqual({ sold: 2, reserved: 4 });
	});

	it("writes what earlier steps staged when a later step throws in its savepoint", async () => {
		const s = await scenario();
		const [visa, , , , error, , , , , visa2] = s.requests as CheckoutRequest[];
		// A bug in the middle of one request's admission: its hold is already CHECKOUT_PENDING in
		// the model when the saga row's write throws, so the model is rebuilt from storage, after
		// the first request's staged hold and events were written (decision 036).
		const bug = {
			...(error as CheckoutRequest),
			idempotencyKey: "k-bug",
			paymentMethod: "pm_card_visa",
		};
		await runInDurableObject(stub(s.sku), (instance: InventoryObject) => {
			const rows = (
				instance as unknown as { saga: { rows: { put(c: { reservationId: string }): void } } }
			).saga.rows;
			const put = rows.put.bind(rows);
			rows.put = (c) => {
				if (c.reservationId === bug.reservationId) throw new Error("injected bug in one step");
				put(c);
			};
		});
		const asks = [visa, bug, visa2] as CheckoutRequest[];
		const settled = await runInDurableObject(stub(s.sku), async (instance: InventoryObject) => {
			const before = instance.checkoutBatches();
			const results = await Promise.allSettled(asks.map((req) => instance.checkout(req)));
			return { results, batches: instance.checkoutBatches() - before };
		});
		expect(settled.batches).toBe(1);
		const [a, b, c] = settled.results;
		expect(a).toMatchObject({ status: "fulfilled", value: { ok: true } });
		expect(b).toMatchObject({ status: "rejected" });
		expect(c).toMatchObject({ status: "fulfilled", value: { ok: true } });
		// From the hold records: both paid holds are durable, the failed one is as it was.
		expect(await units(s.sku)).toEqual({ sold: 2, reserved: 4 });
		expect(await reservation(s.tokens[0] as string, s.holds[0] as string)).toMatchObject({
			status: "PAID",
		});
		expect(await reservation(s.tokens[0] as string, s.holds[2] as string)).toMatchObject({
			status: "RESERVED",
		});
		expect(await reservation(s.tokens[1] as string, s.holds[5] as string)).toMatchObject({
			status: "PAID",
		});
	});
});
