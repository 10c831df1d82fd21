// Property tests of the checkout saga's step function (src/domain/checkout-saga.ts)
// on its own: a harness (test/support/checkout-saga-harness.ts) plays the driver
// (writes each step, runs its effect) over the real Inventory and a provider model
// that keeps the first result of every key, while random commands pay, lose or drop
// the provider's answers, crash the process mid-call, run the alarm, let time pass
// and reset the SKU. After every command and once the network heals, the saga's
// invariants must hold.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	CHARGE_ATTEMPT_TIMEOUT_MS,
	MAX_CHARGE_ATTEMPTS,
	MAX_COMPENSATION_ATTEMPTS,
	MAX_FAILED_PAYMENTS_PER_HOLD,
	providerKey,
} from "../../src/domain/checkout-policy.ts";
import { step } from "../../src/domain/checkout-saga.ts";
import type { SagaState } from "../../src/domain/checkout-state.ts";
import {
	begunSaga,
	Harness,
	RESERVATION,
	SKU,
	scenario,
	T0,
	WINDOW_MS,
} from "../support/checkout-saga-harness.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

/** Explicit bounds (a property test must not depend on the runner's defaults). */
const NUM_RUNS = 1500;
const FEW_RUNS = 200;

function checkInvariants(h: Harness): void {
	const { provider, saga, hold } = h;
	// One capture per reservation, whatever the retries, copies, crashes and payments.
	expect(provider.captures.size).toBeLessThanOrEqual(1);
	// A hold converts only on capture: PAID means this saga's capture, kept (or a free order).
	if (hold.status === "PAID") {
		expect(saga?.step).toBe("paid");
		if (saga !== null && saga.amountCents > 0) {
			const capture = provider.captures.get(saga.paymentId ?? "");
			expect(capture).toEqual({
				key: providerKey(RESERVATION, saga.priorFailures),
				refunded: false,
			});
		} else expect(saga?.paymentId).toBeNull();
	}
	if (hold.status === "CHECKOUT_PENDING") expect(saga?.step).toBe("charging");
	// Retry limits.
	if (saga !== null) {
		expect(saga.chargeAttempts).toBeLessThanOrEqual(MAX_CHARGE_ATTEMPTS);
		expect(saga.compensationAttempts).toBeLessThanOrEqual(MAX_COMPENSATION_ATTEMPTS);
	}
	expect(h.retired.length).toBeLessThan(MAX_FAILED_PAYMENTS_PER_HOLD);
	for (const failed of h.retired) {
		expect(failed.outcome?.ok === false && failed.outcome.payment?.charged).toBe("no");
		expect(provider.capturedBy(providerKey(RESERVATION, failed.priorFailures))).toBe(false);
	}
	// "Nothing was charged" only when the provider said so; an order only when PAID.
	for (const answer of h.answers) {
		if (answer.ok) expect(hold.status).toBe("PAID");
		else if (answer.payment?.charged === "no")
			expect(answer.payment.outcome).not.toBe("not_confirmed");
	}
}

function checkSettled(h: Harness): void {
	const { provider, saga, hold } = h;
	expect(saga === null || saga.resumeAtMs === null).toBe(true);
	const kept = [...provider.captures.values()].filter((c) => !c.refunded);
	if (hold.status === "PAID") {
		expect(kept.length).toBe(h.priceCents > 0 ? 1 : 0);
	} else if (saga?.step === "unresolved") {
		// Compensation ran out of attempts: an operator was alerted.
		expect(h.alerts).toBeGreaterThan(0);
	} else {
		// Every failure path refunds what was taken.
		expect(kept).toEqual([]);
	}
}

describe("checkout saga step function", () => {
	it("keeps its invariants under lost answers, crashes, alarms, resets and time", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(scenario, ({ priceCents, cmds, resetAt }) => {
				const h = new Harness(priceCents);
				cmds.forEach((c, i) => {
					if (i === resetAt) h.run({ kind: "reset" });
					h.run(c);
					checkInvariants(h);
				});
				h.heal();
				checkInvariants(h);
				checkSettled(h);
			}),
			{ numRuns: NUM_RUNS },
		);
	});

	it("ends paid when a saga resumed after a crash hears of its capture within one provider timeout, however late it resumes", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				// How long the restart (and the sagas resumed before this one) took.
				fc.nat({ max: 2 * WINDOW_MS }),
				// The replay's answer: slow, but inside one provider timeout.
				fc.nat({ max: CHARGE_ATTEMPT_TIMEOUT_MS }),
				(downMs, latencyMs) => {
					const h = new Harness(1000);
					h.run({ kind: "pay", behaviour: "captures" });
					h.run({ kind: "crash", reached: true });
					h.run({ kind: "advance", ms: downMs });
					h.run({ kind: "alarm" });
					h.run({ kind: "deliver", fault: "none", latencyMs });
					expect(h.hold.status).toBe("PAID");
					expect(h.answers.at(-1)?.ok).toBe(true);
					checkInvariants(h);
				},
			),
			{ numRuns: FEW_RUNS },
		);
	});

	it("releases the hold and refunds when the outcome stays unknown, never reporting nothing charged", () => {
		const h = new Harness(1000);
		h.run({ kind: "pay", behaviour: "captures" });
		for (let i = 0; i < MAX_CHARGE_ATTEMPTS; i++) {
			h.run({ kind: "deliver", fault: "lost", latencyMs: 0 });
			if (h.inflight?.kind === "wait") h.run({ kind: "deliver", fault: "none", latencyMs: 0 });
		}
		expect(h.hold.status).toBe("PAYMENT_FAILED");
		const answer = h.answers.at(-1);
		expect(answer?.ok === false && answer.payment).toMatchObject({
			outcome: "not_confirmed",
			charged: "unknown",
		});
		expect(h.saga?.step).toBe("compensating");
		h.heal();
		expect(h.saga?.step).toBe("refunded");
		expect([...h.provider.captures.values()]).toEqual([
			{ key: `chk_${RESERVATION}`, refunded: true },
		]);
	});

	it("ends failed without a capture when no charge reached the provider: the probe is a lookup", () => {
		const h = new Harness(1000);
		h.run({ kind: "pay", behaviour: "captures" });
		for (let i = 0; i < MAX_CHARGE_ATTEMPTS; i++) {
			h.run({ kind: "deliver", fault: "dropped", latencyMs: 0 });
			if (h.inflight?.kind === "wait") h.run({ kind: "deliver", fault: "none", latencyMs: 0 });
		}
		expect(h.hold.status).toBe("PAYMENT_FAILED");
		expect(h.saga?.step).toBe("compensating");
		h.heal();
		expect(h.saga?.step).toBe("failed");
		expect(h.provider.captures.size).toBe(0);
		// The charge, should it still arrive, takes nothing: the lookup spent its key.
		expect(h.provider.charge(`chk_${RESERVATION}`, "captures")).toMatchObject({ kind: "error" });
		expect(h.provider.captures.size).toBe(0);
	});

	it(`keeps the hold after a failed payment and releases it at the ${MAX_FAILED_PAYMENTS_PER_HOLD}th`, () => {
		const h = new Harness(1000);
		for (let i = 1; i <= MAX_FAILED_PAYMENTS_PER_HOLD; i++) {
			h.run({ kind: "pay", behaviour: "declines" });
			h.run({ kind: "deliver", fault: "none", latencyMs: 10 });
			const answer = h.answers.at(-1);
			const kept = i < MAX_FAILED_PAYMENTS_PER_HOLD;
			expect(answer?.ok === false && answer.payment).toMatchObject({
				outcome: "declined",
				charged: "no",
				holdKept: kept,
				failedPayments: i,
			});
			expect(h.hold.status).toBe(kept ? "RESERVED" : "PAYMENT_FAILED");
		}
		// Each payment had its own provider key.
		expect([...h.provider.charges.keys()]).toEqual([
			`chk_${RESERVATION}`,
			`chk_${RESERVATION}~2`,
			`chk_${RESERVATION}~3`,
		]);
	});

	it(`hands a compensation that never hears back to an operator after ${MAX_COMPENSATION_ATTEMPTS} attempts`, () => {
		const h = new Harness(1000);
		h.run({ kind: "pay", behaviour: "captures" });
		for (let i = 0; i < 2 * MAX_CHARGE_ATTEMPTS && h.saga?.step === "charging"; i++) {
			h.run({ kind: "deliver", fault: "lost", latencyMs: 0 });
		}
		expect(h.saga?.step).toBe("compensating");
		for (let i = 0; i < MAX_COMPENSATION_ATTEMPTS; i++) {
			h.run({ kind: "advance", ms: (h.saga?.resumeAtMs ?? h.nowMs) - h.nowMs });
			h.run({ kind: "alarm" });
			h.run({ kind: "deliver", fault: "lost", latencyMs: 0 });
		}
		expect(h.saga).toMatchObject({
			step: "compensating",
			compensationAttempts: MAX_COMPENSATION_ATTEMPTS,
		});
		expect(h.alerts).toBe(0);
		h.run({ kind: "advance", ms: (h.saga?.resumeAtMs ?? h.nowMs) - h.nowMs });
		h.run({ kind: "alarm" });
		expect(h.saga).toMatchObject({ step: "unresolved", resumeAtMs: null });
		expect(h.alerts).toBe(1);
		expect(h.inflight).toBeNull();
	});

	it("hands a refused refund to an operator instead of calling it refunded", () => {
		const refunding: SagaState = {
			...begunSaga(),
			step: "refunding",
			paymentId: "pi_1",
			compensationAttempts: 1,
		};
		const world = { nowMs: T0 + 1_000, sku: SKU, hold: null };
		const next = step(
			refunding,
			{ kind: "refunded", outcome: { kind: "error", reason: "no" } },
			world,
		);
		expect(next.state).toMatchObject({ step: "unresolved", resumeAtMs: null });
		expect(next.alert).toBe("refund refused: no");
		expect(next.notes).toEqual([]);
		// An unknown answer changes nothing: the alarm asks again at resumeAtMs.
		const unknown = step(
			refunding,
			{ kind: "refunded", outcome: { kind: "unknown", reason: "t" } },
			world,
		);
		expect(unknown.write).toBe("none");
		expect(unknown.effect.kind).toBe("stop");
	});

	it("stops asking once the provider says asking again cannot tell more (a final unknown)", () => {
		// Stripe replays a 500 it saved under the key to every retry (src/payment/stripe.ts):
		// the saga releases the units at the first such answer and hands the payment to an
		// operator at the probe's, instead of spending every attempt on the same answer.
		const pending = { status: "CHECKOUT_PENDING" as const, expiresAtMs: T0 + 60_000 };
		const attempt = step(
			begunSaga(),
			{ kind: "run", resumed: false },
			{
				nowMs: T0,
				sku: SKU,
				hold: pending,
			},
		);
		expect(attempt.effect.kind).toBe("charge");
		expect(attempt.state.chargeAttempts).toBe(1);
		const saved = {
			kind: "unknown" as const,
			reason: "stripe 500 api_error (saved)",
			final: true as const,
		};
		const world = { nowMs: T0 + 100, sku: SKU, hold: pending };
		const gaveUp = step(attempt.state, { kind: "charged", outcome: saved }, world);
		expect(gaveUp.state.step).toBe("compensating");
		expect(gaveUp.hold).toMatchObject({ kind: "release" });
		expect(gaveUp.effect.kind === "stop" && gaveUp.effect.answer).toMatchObject({
			ok: false,
			payment: { outcome: "not_confirmed", charged: "unknown" },
		});
		const probe = step(gaveUp.state, { kind: "run", resumed: true }, { ...world, hold: null });
		expect(probe.effect.kind).toBe("probe");
		const handedOver = step(
			probe.state,
			{ kind: "probed", outcome: saved },
			{ ...world, hold: null },
		);
		expect(handedOver.state).toMatchObject({ step: "unresolved", resumeAtMs: null });
		expect(handedOver.alert).toMatch(/^charge outcome cannot be learned: stripe 500/);
		// Without `final` the same answers keep the retries and probes going.
		const retried = step(
			attempt.state,
			{ kind: "charged", outcome: { kind: "unknown", reason: "t" } },
			world,
		);
		expect(retried.effect.kind).toBe("wait");
		const refunding: SagaState = { ...probe.state, step: "refunding", paymentId: "pi_1" };
		const refundSaved = step(refunding, { kind: "refunded", outcome: saved }, world);
		expect(refundSaved.state.step).toBe("unresolved");
		expect(refundSaved.alert).toMatch(/^refund outcome cannot be learned/);
	});

	it("gives a resumed saga a full provider timeout even a moment before its deadline", () => {
		const state = begunSaga();
		const crashed: SagaState = { ...state, chargeAttempts: 1 };
		const nowMs = T0 + WINDOW_MS - 300;
		const world = {
			nowMs,
			sku: SKU,
			hold: { status: "CHECKOUT_PENDING" as const, expiresAtMs: T0 },
		};
		const resumed = step(crashed, { kind: "run", resumed: true }, world);
		expect(resumed.effect).toMatchObject({ kind: "charge", timeoutMs: CHARGE_ATTEMPT_TIMEOUT_MS });
		expect(resumed.state.deadlineMs).toBe(nowMs + CHARGE_ATTEMPT_TIMEOUT_MS);
		expect(resumed.write).toBe("put");
		// The request that started the saga keeps the configured window.
		const first = step(crashed, { kind: "run", resumed: false }, world);
		expect(first.effect).toMatchObject({ kind: "charge", timeoutMs: 300 });
		expect(first.state.deadlineMs).toBe(T0 + WINDOW_MS);
	});
});
