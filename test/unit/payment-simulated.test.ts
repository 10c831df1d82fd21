import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPaymentProvider } from "../../src/payment/index";
import type { SimRecord, SyncStore } from "../../src/payment/sim-store.ts";
import {
	REASON_ALREADY_REFUNDED,
	REASON_DECLINED,
	REASON_KEY_IN_USE,
	REASON_KEY_REUSED,
	REASON_KEY_SPENT_BY_LOOKUP,
	REASON_LOST_RESPONSE,
	REASON_NO_SUCH_PAYMENT,
	REASON_UNKNOWN_METHOD,
	SIM_PAYMENT_METHODS,
	SimulatedProvider,
} from "../../src/payment/simulated";
import { sleep } from "../../src/shared/sleep.ts";
import { chargeRequest } from "../support/payment.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

/** What a Durable Object would do: keep each value as JSON text (like a SQLite row). */
class JsonTextStore implements SyncStore<SimRecord> {
	readonly rows = new Map<string, string>();
	get(key: string): SimRecord | undefined {
		const text = this.rows.get(key);
		return text === undefined ? undefined : (JSON.parse(text) as SimRecord);
	}
	put(key: string, value: SimRecord): void {
		this.rows.set(key, JSON.stringify(value));
	}
	putNew(key: string, value: SimRecord, also?: { key: string; value: SimRecord }): boolean {
		if (this.rows.has(key)) return false;
		if (also !== undefined && this.rows.has(also.key)) throw new Error(`${also.key} is taken`);
		this.put(key, value);
		if (also !== undefined) this.put(also.key, also.value);
		return true;
	}
}

/** JsonTextStore that counts its reads and its putNew calls, as the object's SQLite store is used. */
class PutNewStore extends JsonTextStore {
	reads = 0;
	override get(key: string): SimRecord | undefined {
		this.reads += 1;
		return super.get(key);
	}
	/** Calls of putNew, and those that wrote: one call writes a new charge with its payment record. */
	putNews = 0;
	override putNew(
		key: string,
		value: SimRecord,
		also?: { key: string; value: SimRecord },
	): boolean {
		this.putNews += 1;
		return super.putNew(key, value, also);
	}
}

describe("SimulatedProvider charge", () => {
	it("captures pm_card_visa once and replays the same key without a second capture", async () => {
		const provider = new SimulatedProvider();
		const req = chargeRequest("pm_card_visa");
		const first = await provider.charge(req);
		expect(first).toMatchObject({
			kind: "succeeded",
			paymentId: expect.stringMatching(/^pi_sim_/),
		});
		expect(await provider.charge({ ...req })).toEqual(first);
		expect(provider.stats()).toEqual({ chargeCalls: 2, refundCalls: 0, captures: 1, refunds: 0 });
	});

	it("refuses the same key with different parameters", async () => {
		const provider = new SimulatedProvider();
		const req = chargeRequest("pm_card_visa");
		await provider.charge(req);
		const reused = await provider.charge({ ...req, amountCents: req.amountCents + 1 });
		expect(reused).toEqual({ kind: "error", reason: REASON_KEY_REUSED });
		const reusedMetadata = await provider.charge({ ...req, metadata: { order: "x" } });
		expect(reusedMetadata).toEqual({ kind: "error", reason: REASON_KEY_REUSED });
		expect(provider.stats().captures).toBe(1);
	});

	it("declines pm_card_chargeDeclined without capturing", async () => {
		const provider = new SimulatedProvider();
		const outcome = await provider.charge(chargeRequest("pm_card_chargeDeclined"));
		expect(outcome).toMatchObject({ kind: "declined", reason: REASON_DECLINED });
		expect(provider.stats().captures).toBe(0);
	});

	it("declines an unknown payment method", async () => {
		const provider = new SimulatedProvider();
		const outcome = await provider.charge(chargeRequest("pm_card_mystery"));
		expect(outcome).toEqual({ kind: "declined", paymentId: null, reason: REASON_UNKNOWN_METHOD });
	});

	it("answers pm_sim_error with a provider error every time, never capturing", async () => {
		const provider = new SimulatedProvider();
		const req = chargeRequest("pm_sim_error");
		for (const attempt of [req, req, chargeRequest("pm_sim_error")]) {
			expect((await provider.charge(attempt)).kind).toBe("error");
		}
		expect(provider.stats().captures).toBe(0);
	});

	it("pm_sim_timeout: unknown first, then the retry with the same key finds the one capture", async () => {
		const provider = new SimulatedProvider();
		const req = chargeRequest("pm_sim_timeout");
		expect(await provider.charge(req)).toEqual({ kind: "unknown", reason: REASON_LOST_RESPONSE });
		// The capture already happened behind the lost response (as with Stripe).
		expect(provider.stats().captures).toBe(1);
		const retry = await provider.charge(req);
		expect(retry.kind).toBe("succeeded");
		expect(await provider.charge(req)).toEqual(retry);
		expect(provider.stats().captures).toBe(1);
		// A new key is a new first attempt.
		expect((await provider.charge(chargeRequest("pm_sim_timeout"))).kind).toBe("unknown");
	});

	it("refuses a second request while the first with the same key is in flight", async () => {
		const provider = new SimulatedProvider({ latencyMs: 30 });
		const req = chargeRequest("pm_card_visa");
		const [first, second] = await Promise.all([provider.charge(req), provider.charge(req)]);
		expect(first.kind).toBe("succeeded");
		expect(second).toEqual({ kind: "unknown", reason: REASON_KEY_IN_USE });
		expect(await provider.charge(req)).toEqual(first);
		expect(provider.stats().captures).toBe(1);
	});

	it("answers unknown when the latency passes the caller's timeout, and still captures", async () => {
		const provider = new SimulatedProvider({ latencyMs: 100 });
		const req = chargeRequest("pm_card_visa");
		const outcome = await provider.charge(req, { timeoutMs: 10 });
		expect(outcome).toEqual({ kind: "unknown", reason: "timeout after 10 ms" });
		// The "server side" finishes on its own; the retry with the same key learns the result.
		await sleep(150);
		expect((await provider.charge(req)).kind).toBe("succeeded");
		expect(provider.stats().captures).toBe(1);
	});

	it("rejects invalid requests as errors before touching the key", async () => {
		const provider = new SimulatedProvider();
		const key = `chk_${crypto.randomUUID()}`;
		const bad = await provider.charge(
			chargeRequest("pm_card_visa", { idempotencyKey: key, amountCents: 0 }),
		);
		expect(bad.kind).toBe("error");
		const good = await provider.charge(chargeRequest("pm_card_visa", { idempotencyKey: key }));
		expect(good.kind).toBe("succeeded");
		expect(
			(await provider.charge(chargeRequest("pm_card_visa", { idempotencyKey: "" }))).kind,
		).toBe("error");
	});

	it("keeps its captures in the caller's store across a restart", async () => {
		const store = new JsonTextStore();
		const before = new SimulatedProvider({ store });
		const req = chargeRequest("pm_sim_timeout");
		expect((await before.charge(req)).kind).toBe("unknown");
		const after = new SimulatedProvider({ store }); // the Durable Object restarted
		const retry = await after.charge(req);
		expect(retry.kind).toBe("succeeded");
		expect(after.stats()).toMatchObject({ chargeCalls: 2, captures: 1 });
	});

	it("never captures more than once per key, whatever the sequence of attempts", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, async () => {
		const methods = ["pm_card_visa", "pm_sim_timeout", "pm_card_chargeDeclined", "pm_sim_error"];
		const attempt = fc.record({
			key: fc.integer({ min: 0, max: 4 }),
			method: fc.constantFrom(...methods),
		});
		await fc.assert(
			fc.asyncProperty(fc.array(attempt, { maxLength: 30 }), async (attempts) => {
				const provider = new SimulatedProvider();
				const firstMethod = new Map<number, string>();
				const paymentIds = new Map<number, Set<string>>();
				for (const { key, method } of attempts) {
					if (!firstMethod.has(key)) firstMethod.set(key, method);
					const outcome = await provider.charge(
						chargeRequest(method, { idempotencyKey: `k${key}` }),
					);
					if (outcome.kind === "succeeded") {
						const ids = paymentIds.get(key) ?? new Set<string>();
						paymentIds.set(key, ids.add(outcome.paymentId));
					}
				}
				const capturing = [...firstMethod.values()].filter(
					(method) => method === "pm_card_visa" || method === "pm_sim_timeout",
				);
				expect(provider.stats().captures).toBe(capturing.length);
				for (const ids of paymentIds.values()) expect(ids.size).toBe(1);
			}),
			{ numRuns: 100 },
		);
	});
});

describe("SimulatedProvider with a store that writes new keys only (putNew)", () => {
	it("reads nothing for a new charge, and a replay or a reused key reads the first record", () => {
		const store = new PutNewStore();
		const provider = new SimulatedProvider({ store });
		const req = chargeRequest("pm_card_visa");
		const first = provider.chargeNow(req);
		expect(first).toMatchObject({ kind: "succeeded" });
		expect(store.reads).toBe(0);
		// One charge record and one payment record, in one write (putNew with the payment record):
		// the replay below writes neither again.
		expect(store.putNews).toBe(1);
		const records = () => [...store.rows.keys()].filter((key) => key !== "stats").sort();
		const written = records();
		expect(written).toHaveLength(2);
		expect(written).toContain(`payment:${(first as { paymentId: string }).paymentId}`);

		expect(provider.chargeNow({ ...req })).toEqual(first);
		expect(provider.chargeNow({ ...req, amountCents: req.amountCents + 1 })).toEqual({
			kind: "error",
			reason: REASON_KEY_REUSED,
		});
		expect(records()).toEqual(written);
		expect(provider.stats()).toEqual({ chargeCalls: 3, refundCalls: 0, captures: 1, refunds: 0 });
		const paymentId = (first as { paymentId: string }).paymentId;
		expect(provider.refundNow(paymentId, "refund-1")).toMatchObject({ kind: "refunded" });
		expect(provider.refundNow(paymentId, "refund-2")).toEqual({
			kind: "error",
			reason: REASON_ALREADY_REFUNDED,
		});
	});

	it("keeps pm_sim_timeout's capture for the retry and declines without a payment record", () => {
		const store = new PutNewStore();
		const provider = new SimulatedProvider({ store });
		const req = chargeRequest("pm_sim_timeout");
		expect(provider.chargeNow(req)).toEqual({ kind: "unknown", reason: REASON_LOST_RESPONSE });
		expect(provider.chargeNow(req)).toMatchObject({ kind: "succeeded" });
		expect(provider.chargeNow(chargeRequest("pm_card_chargeDeclined"))).toMatchObject({
			kind: "declined",
		});
		expect([...store.rows.keys()].filter((key) => key.startsWith("payment:"))).toHaveLength(1);
		expect(provider.stats().captures).toBe(1);
	});

	it("mints payment ids that start with the clock, so later ones sort after earlier ones", async () => {
		const provider = new SimulatedProvider({ store: new PutNewStore() });
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) {
			const outcome = provider.chargeNow(chargeRequest("pm_card_visa"));
			ids.push((outcome as { paymentId: string }).paymentId);
			// A new millisecond for the next id's clock part.
			await sleep(2);
		}
		for (const id of ids) expect(id).toMatch(/^pi_sim_[0-9a-f]{32}$/);
		expect([...ids].sort()).toEqual(ids);
	});
});

describe("SimulatedProvider answers within the call", () => {
	it("answers chargeNow and refundNow at zero latency as charge and refund would, once per key", async () => {
		const store = new JsonTextStore();
		const provider = new SimulatedProvider({ store });
		const req = chargeRequest("pm_card_visa");
		const now = provider.chargeNow(req);
		expect(now).toMatchObject({ kind: "succeeded" });
		// The same key through the asynchronous call replays the capture made within the call.
		expect(await provider.charge(req)).toEqual(now);
		const paymentId = (now as { paymentId: string }).paymentId;
		expect(provider.refundNow(paymentId, "refund-1")).toMatchObject({ kind: "refunded" });
		expect(provider.stats()).toEqual({ chargeCalls: 2, refundCalls: 1, captures: 1, refunds: 1 });
	});

	it("counts within the turn and writes the stats record once, before the turn ends", async () => {
		const store = new JsonTextStore();
		const provider = new SimulatedProvider({ store });
		for (let i = 0; i < 3; i++) provider.chargeNow(chargeRequest("pm_card_visa"));
		// Not written yet, but counted.
		expect(store.rows.has("stats")).toBe(false);
		expect(provider.stats()).toMatchObject({ chargeCalls: 3, captures: 3 });
		await Promise.resolve();
		expect(JSON.parse(store.rows.get("stats") as string)).toMatchObject({
			stats: { chargeCalls: 3, captures: 3 },
		});
		expect(provider.stats()).toMatchObject({ chargeCalls: 3, captures: 3 });
	});

	it("has no answer within the call when it simulates a latency", () => {
		const provider = new SimulatedProvider({ latencyMs: 5 });
		expect(provider.chargeNow(chargeRequest("pm_card_visa"))).toBeUndefined();
		expect(provider.refundNow("pi_sim_x", "refund-x")).toBeUndefined();
		expect(provider.stats()).toMatchObject({ chargeCalls: 0, refundCalls: 0 });
	});
});

describe("SimulatedProvider lookup (the compensation's probe)", () => {
	it("finds no charge without charging, and spends the key so a late charge cannot capture", async () => {
		const provider = new SimulatedProvider();
		const req = chargeRequest("pm_card_visa");
		expect(await provider.lookup(req)).toEqual({ kind: "none" });
		expect(await provider.charge(req)).toEqual({
			kind: "error",
			reason: REASON_KEY_SPENT_BY_LOOKUP,
		});
		expect(provider.stats()).toEqual({ chargeCalls: 1, refundCalls: 0, captures: 0, refunds: 0 });
	});

	it("answers a charge it received with its first outcome, never capturing again", async () => {
		const provider = new SimulatedProvider();
		const lost = chargeRequest(SIM_PAYMENT_METHODS.timeoutThenSucceeds);
		expect((await provider.charge(lost)).kind).toBe("unknown"); // captured, answer lost
		const found = await provider.lookup(lost);
		expect(found).toMatchObject({ kind: "succeeded" });
		expect(await provider.lookup(lost)).toEqual(found);
		const declined = chargeRequest(SIM_PAYMENT_METHODS.declined);
		const first = await provider.charge(declined);
		expect(provider.lookupNow(declined)).toEqual(first);
		expect(provider.stats().captures).toBe(1);
	});

	it("answers unknown while the charge is in flight, then its outcome", async () => {
		const provider = new SimulatedProvider({ latencyMs: 30 });
		const req = chargeRequest("pm_card_visa");
		const charging = provider.charge(req);
		expect(await provider.lookup(req)).toMatchObject({ kind: "unknown" });
		const charged = await charging;
		expect(await provider.lookup(req)).toEqual(charged);
		expect(provider.stats().captures).toBe(1);
	});
});

describe("SimulatedProvider refund", () => {
	it("refunds a capture once and replays the same key", async () => {
		const provider = new SimulatedProvider();
		const charged = await provider.charge(chargeRequest("pm_card_visa"));
		if (charged.kind !== "succeeded") throw new Error("setup: charge failed");
		const refundKey = `rf_${crypto.randomUUID()}`;
		const refunded = await provider.refund(charged.paymentId, refundKey);
		expect(refunded).toMatchObject({
			kind: "refunded",
			refundId: expect.stringMatching(/^re_sim_/),
		});
		expect(await provider.refund(charged.paymentId, refundKey)).toEqual(refunded);
		const otherKey = await provider.refund(charged.paymentId, `rf_${crypto.randomUUID()}`);
		expect(otherKey).toEqual({ kind: "error", reason: REASON_ALREADY_REFUNDED });
		expect(provider.stats()).toMatchObject({ captures: 1, refunds: 1, refundCalls: 3 });
	});

	it("refuses to refund a payment it never captured", async () => {
		const provider = new SimulatedProvider();
		const outcome = await provider.refund("pi_sim_missing", `rf_${crypto.randomUUID()}`);
		expect(outcome).toEqual({ kind: "error", reason: REASON_NO_SUCH_PAYMENT });
	});
});

describe("createPaymentProvider", () => {
	it("defaults to the simulated provider and reads its latency from the environment", () => {
		expect(createPaymentProvider({}).name).toBe("simulated");
		expect(createPaymentProvider({ PAYMENT_SIM_LATENCY_MS: "200" }).name).toBe("simulated");
		expect(() => createPaymentProvider({ PAYMENT_SIM_LATENCY_MS: "soon" })).toThrow(
			/PAYMENT_SIM_LATENCY_MS/,
		);
	});

	it("builds Stripe only with a secret, and refuses unknown names", () => {
		expect(
			createPaymentProvider({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_x" }).name,
		).toBe("stripe");
		expect(() => createPaymentProvider({ PAYMENT_PROVIDER: "stripe" })).toThrow(
			/STRIPE_SECRET_KEY/,
		);
		expect(() => createPaymentProvider({ PAYMENT_PROVIDER: "paypal" })).toThrow(/PAYMENT_PROVIDER/);
	});

	it("backs the simulated provider with the given store", async () => {
		const store = new JsonTextStore();
		const provider = createPaymentProvider({}, store);
		await provider.charge(chargeRequest("pm_card_visa"));
		expect([...store.rows.keys()].some((key) => key.startsWith("charge:"))).toBe(true);
	});
});
