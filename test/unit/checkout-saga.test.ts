// Property tests of the checkout saga's step function (src/domain/checkout-saga.ts)
// on its own: a harness plays the driver (writes each step, runs its effect) over
// the real Inventory and a provider model that keeps the first result of every
// key, while random commands pay, lose or drop the provider's answers, crash the
// process mid-call, run the alarm, let time pass and reset the SKU. After every
// command and once the network heals, the saga's invariants must hold.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	CHARGE_ATTEMPT_TIMEOUT_MS,
	MAX_CHARGE_ATTEMPTS,
	MAX_COMPENSATION_ATTEMPTS,
	MAX_FAILED_PAYMENTS_PER_HOLD,
	providerKey,
} from "../../src/domain/checkout-policy.ts";
import {
	type SagaEffect,
	type SagaInput,
	type SagaStep,
	step,
} from "../../src/domain/checkout-saga.ts";
import {
	begin,
	type CheckoutResult,
	dueForResume,
	type SagaState,
} from "../../src/domain/checkout-state.ts";
import { type Hold, Inventory } from "../../src/domain/inventory.ts";
import type { ChargeOutcome, RefundOutcome } from "../../src/payment/provider.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const T0 = Date.UTC(2026, 0, 1);
const SKU = "SKU-1";
const RESERVATION = "r1";
const WINDOW_MS = 20_000;
const HOLD_SECONDS = 60;
/** Explicit bounds (a property test must not depend on the runner's defaults). */
const NUM_RUNS = 1500;
const FEW_RUNS = 200;
/** Steps the network needs, once healed, to settle any saga. */
const MAX_HEAL_STEPS = 200;

type Behaviour = "captures" | "declines" | "refuses";
const METHOD: Record<Behaviour, string> = {
	captures: "pm_captures",
	declines: "pm_declines",
	refuses: "pm_refuses",
};
const behaviourOf = (method: string): Behaviour =>
	(Object.keys(METHOD) as Behaviour[]).find((b) => METHOD[b] === method) ?? "refuses";

/** What a provider does that the saga cannot see: the first result of a key is kept. */
class ProviderModel {
	readonly charges = new Map<string, ChargeOutcome>();
	/** paymentId → the key that captured it, and whether it was refunded. */
	readonly captures = new Map<string, { key: string; refunded: boolean }>();
	private readonly refunds = new Map<string, RefundOutcome>();
	private seq = 0;

	charge(key: string, behaviour: Behaviour): ChargeOutcome {
		const earlier = this.charges.get(key);
		if (earlier !== undefined) return earlier;
		let outcome: ChargeOutcome;
		if (behaviour === "captures") {
			const paymentId = `pi_${++this.seq}`;
			this.captures.set(paymentId, { key, refunded: false });
			outcome = { kind: "succeeded", paymentId };
		} else if (behaviour === "declines") {
			outcome = { kind: "declined", paymentId: null, reason: "generic_decline" };
		} else outcome = { kind: "error", reason: "api_error" };
		this.charges.set(key, outcome);
		return outcome;
	}

	refund(paymentId: string, key: string): RefundOutcome {
		const earlier = this.refunds.get(key);
		if (earlier !== undefined) return earlier;
		const capture = this.captures.get(paymentId);
		let outcome: RefundOutcome;
		if (capture === undefined) outcome = { kind: "error", reason: "no such payment" };
		else if (capture.refunded) outcome = { kind: "error", reason: "already refunded" };
		else {
			capture.refunded = true;
			outcome = { kind: "refunded", refundId: `re_${++this.seq}` };
		}
		this.refunds.set(key, outcome);
		return outcome;
	}

	capturedBy(key: string): boolean {
		return [...this.captures.values()].some((c) => c.key === key);
	}
}

type Work = Exclude<SagaEffect, { kind: "stop" }>;
type Fault = "none" | "lost" | "dropped";

type Cmd =
	/** The buyer pays (a new key) when the hold is RESERVED and no payment is under way. */
	| { kind: "pay"; behaviour: Behaviour }
	/** A copy of the request: joins a running saga, resumes one nobody drives. */
	| { kind: "again" }
	/** The effect in flight completes: answered after latencyMs, or lost, or never sent. */
	| { kind: "deliver"; fault: Fault; latencyMs: number }
	/** The process dies mid-call; the provider may have acted on it already. */
	| { kind: "crash"; reached: boolean }
	| { kind: "alarm" }
	| { kind: "advance"; ms: number }
	| { kind: "reset" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("pay" as const),
			behaviour: fc.constantFrom<Behaviour>("captures", "declines", "refuses"),
		}),
	},
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant("again" as const) }) },
	{
		weight: 12,
		arbitrary: fc.record({
			kind: fc.constant("deliver" as const),
			fault: fc.constantFrom<Fault>("none", "none", "lost", "dropped"),
			latencyMs: fc.nat({ max: 2 * CHARGE_ATTEMPT_TIMEOUT_MS }),
		}),
	},
	{
		weight: 3,
		arbitrary: fc.record({ kind: fc.constant("crash" as const), reached: fc.boolean() }),
	},
	{ weight: 4, arbitrary: fc.record({ kind: fc.constant("alarm" as const) }) },
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant("advance" as const),
			ms: fc.nat({ max: WINDOW_MS }),
		}),
	},
);

/** A scenario: a price (sometimes a free order), commands, and maybe a reset among them. */
const scenario = fc.record({
	priceCents: fc.constantFrom(1000, 1000, 1000, 1000, 1000, 1000, 1000, 0),
	cmds: fc.array(cmd, { maxLength: 60 }),
	resetAt: fc.option(fc.nat({ max: 60 }), { freq: 4 }),
});

/** Plays the driver (src/inventory/checkout-driver.ts) for one reservation, in memory. */
class Harness {
	nowMs = T0;
	readonly inv: Inventory;
	readonly hold: Hold;
	readonly provider = new ProviderModel();
	saga: SagaState | null = null;
	readonly retired: SagaState[] = [];
	inflight: Work | null = null;
	readonly answers: CheckoutResult[] = [];
	alerts = 0;
	private keys = 0;

	constructor(readonly priceCents: number) {
		this.inv = Inventory.create(
			{
				sku: SKU,
				name: "Test",
				priceCents,
				currency: "USD",
				totalStock: 1,
				holdSeconds: HOLD_SECONDS,
				perUserLimit: 1,
				startsAtMs: null,
			},
			T0,
		);
		const reserved = this.inv.reserve({
			id: RESERVATION,
			sessionId: "s1",
			quantity: 1,
			idempotencyKey: null,
			nowMs: T0,
		});
		if (!reserved.ok) throw new Error("the harness could not reserve");
		this.hold = reserved.hold;
	}

	run(c: Cmd): void {
		switch (c.kind) {
			case "pay":
				this.pay(c.behaviour);
				return;
			case "again":
				// Nobody drives a charging saga after a crash: the copy resumes it.
				if (this.inflight === null && this.saga?.step === "charging") {
					this.feed({ kind: "run", resumed: true });
				}
				return;
			case "deliver":
				this.deliver(c.fault, c.latencyMs);
				return;
			case "crash":
				if (this.inflight !== null && c.reached) this.reach(this.inflight);
				this.inflight = null;
				return;
			case "alarm":
				this.inv.expireDue(this.nowMs);
				if (this.inflight === null && this.saga !== null && dueForResume(this.saga, this.nowMs)) {
					this.feed({ kind: "run", resumed: true });
				}
				return;
			case "advance":
				this.nowMs += c.ms;
				this.inv.expireDue(this.nowMs);
				return;
			case "reset":
				this.inv.reset(this.nowMs);
				if (this.saga !== null) this.feed({ kind: "reset" });
				return;
		}
	}

	/** The network heals; the alarm keeps its schedule until the saga settles. */
	heal(): void {
		for (let i = 0; i < MAX_HEAL_STEPS; i++) {
			if (this.inflight !== null) this.deliver("none", 0);
			else if (this.saga !== null && this.saga.resumeAtMs !== null) {
				this.nowMs = Math.max(this.nowMs, this.saga.resumeAtMs);
				this.run({ kind: "alarm" });
			} else return;
		}
		throw new Error("the saga did not settle once the network healed");
	}

	private pay(behaviour: Behaviour): void {
		this.inv.expireDue(this.nowMs);
		if (this.saga !== null || this.hold.status !== "RESERVED") return;
		const deadlineMs = this.nowMs + WINDOW_MS;
		expect(this.inv.beginCheckout(RESERVATION, this.nowMs, deadlineMs).ok).toBe(true);
		// A new payment starts only after every earlier one definitely took nothing.
		expect(this.provider.captures.size).toBe(0);
		this.saga = begin(
			{
				reservationId: RESERVATION,
				orderId: "o1",
				sessionId: "s1",
				clientKey: `k${++this.keys}`,
				paymentMethod: METHOD[behaviour],
				quantity: 1,
				amountCents: this.priceCents,
				currency: "USD",
				priorFailures: this.retired.length,
			},
			this.nowMs,
			deadlineMs,
		);
		this.feed({ kind: "run", resumed: false });
	}

	/** The provider acts on a call (whether or not its answer comes back). */
	private reach(work: Work): ChargeOutcome | RefundOutcome | null {
		if (work.kind === "charge" || work.kind === "probe") {
			return this.provider.charge(
				work.request.idempotencyKey,
				behaviourOf(work.request.paymentMethod),
			);
		}
		if (work.kind === "refund") return this.provider.refund(work.paymentId, work.idempotencyKey);
		return null;
	}

	private deliver(fault: Fault, latencyMs: number): void {
		const work = this.inflight;
		if (work === null) return;
		this.inflight = null;
		if (work.kind === "wait") {
			this.nowMs += work.ms;
			this.feed({ kind: "retry" });
			return;
		}
		const answer = fault === "dropped" ? null : this.reach(work);
		const timedOut = fault !== "none" || latencyMs > work.timeoutMs;
		this.nowMs += timedOut ? work.timeoutMs : latencyMs;
		const unknown = { kind: "unknown" as const, reason: "timeout" };
		if (work.kind === "refund") {
			this.feed({ kind: "refunded", outcome: timedOut ? unknown : (answer as RefundOutcome) });
		} else {
			const outcome = timedOut ? unknown : (answer as ChargeOutcome);
			this.feed({ kind: work.kind === "charge" ? "charged" : "probed", outcome });
		}
	}

	private feed(input: SagaInput): void {
		if (this.saga === null) return;
		const world = {
			nowMs: this.nowMs,
			sku: SKU,
			hold: this.inv.activeHold(RESERVATION) ?? null,
		};
		const next = step(this.saga, input, world);
		if (input.kind === "run" && input.resumed && next.effect.kind === "charge") {
			// A resumed saga gets one full provider timeout, however little of its window is left.
			expect(next.effect.timeoutMs).toBe(CHARGE_ATTEMPT_TIMEOUT_MS);
			expect(next.state.deadlineMs).toBeGreaterThanOrEqual(this.nowMs + CHARGE_ATTEMPT_TIMEOUT_MS);
		}
		if (next.effect.kind === "charge" || next.effect.kind === "probe") {
			// Every call of a payment carries its own provider key, never another's.
			expect(next.effect.request.idempotencyKey).toBe(
				providerKey(RESERVATION, next.state.priorFailures),
			);
		}
		this.apply(next);
	}

	private apply(next: SagaStep): void {
		for (const note of next.notes) this.inv.note(note);
		const change = next.hold;
		if (change !== null) {
			const done =
				change.kind === "complete"
					? this.inv.completeCheckout(RESERVATION, change.orderId, this.nowMs)
					: change.kind === "reopen"
						? this.inv.reopenCheckout(RESERVATION, this.nowMs, change.detail)
						: this.inv.failCheckout(RESERVATION, this.nowMs, change.reason);
			// The step only asks for what the hold it saw allows.
			expect(done.ok).toBe(true);
		}
		if (next.write === "put") this.saga = next.state;
		else if (next.write === "retire") {
			this.retired.push(next.state);
			this.saga = null;
		}
		if (next.alert !== null) this.alerts += 1;
		if (next.effect.kind === "stop") this.answers.push(next.effect.answer);
		else this.inflight = next.effect;
	}
}

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
			...begin(
				{
					reservationId: RESERVATION,
					orderId: "o1",
					sessionId: "s1",
					clientKey: "k1",
					paymentMethod: METHOD.captures,
					quantity: 1,
					amountCents: 1000,
					currency: "USD",
					priorFailures: 0,
				},
				T0,
				T0 + WINDOW_MS,
			),
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

	it("gives a resumed saga a full provider timeout even a moment before its deadline", () => {
		const state = begin(
			{
				reservationId: RESERVATION,
				orderId: "o1",
				sessionId: "s1",
				clientKey: "k1",
				paymentMethod: METHOD.captures,
				quantity: 1,
				amountCents: 1000,
				currency: "USD",
				priorFailures: 0,
			},
			T0,
			T0 + WINDOW_MS,
		);
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
