// The checkout saga's test harness (test/unit/checkout-saga.test.ts): it plays the
// driver (src/inventory/checkout-driver.ts) for one reservation in memory — writes
// each step, runs its effect — over the real Inventory and a provider model that
// keeps the first result of every key, fed by the random commands below.

import fc from "fast-check";
import { expect } from "vitest";
import { CHARGE_ATTEMPT_TIMEOUT_MS, providerKey } from "../../src/domain/checkout-policy.ts";
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
import type { ChargeOutcome, LookupOutcome, RefundOutcome } from "../../src/payment/provider.ts";

export const T0 = Date.UTC(2026, 0, 1);
export const SKU = "SKU-1";
export const RESERVATION = "r1";
export const WINDOW_MS = 20_000;
const HOLD_SECONDS = 60;
/** Steps the network needs, once healed, to settle any saga. */
const MAX_HEAL_STEPS = 200;

type Behaviour = "captures" | "declines" | "refuses";
export const METHOD: Record<Behaviour, string> = {
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

	/**
	 * The compensation's probe: the key's first result, never a capture. A key no charge
	 * reached is spent, so that charge, if it still arrives, takes nothing.
	 */
	lookup(key: string): LookupOutcome {
		const earlier = this.charges.get(key);
		if (earlier !== undefined) return earlier;
		this.charges.set(key, { kind: "error", reason: "key spent by a lookup" });
		return { kind: "none" };
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

export type Cmd =
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
export const scenario = fc.record({
	priceCents: fc.constantFrom(1000, 1000, 1000, 1000, 1000, 1000, 1000, 0),
	cmds: fc.array(cmd, { maxLength: 60 }),
	resetAt: fc.option(fc.nat({ max: 60 }), { freq: 4 }),
});

/** Plays the driver (src/inventory/checkout-driver.ts) for one reservation, in memory. */
export class Harness {
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
	private reach(work: Work): LookupOutcome | RefundOutcome | null {
		if (work.kind === "probe") return this.provider.lookup(work.request.idempotencyKey);
		if (work.kind === "charge") {
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
			const outcome = timedOut ? unknown : (answer as LookupOutcome);
			if (work.kind === "probe") this.feed({ kind: "probed", outcome });
			else this.feed({ kind: "charged", outcome: outcome as ChargeOutcome });
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

/** A saga begun at T0 for a 10.00 USD payment that the provider captures. */
export function begunSaga(): SagaState {
	return begin(
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
}
