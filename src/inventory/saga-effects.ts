// The payment provider's side of a checkout saga: each effect the saga asks for
// (charge, probe, refund, wait) as a provider call — a probe is a lookup, never a charge —
// and its outcome as the saga's next input. The provider is built at the first call, so a misconfigured one fails that
// checkout, not the object's load (checkout-driver.ts CheckoutDriverOptions).

import type { SagaEffect, SagaInput } from "../domain/checkout-saga.ts";
import { chargeableAmountProblem, type PaymentProvider } from "../payment/provider.ts";
import { sleep } from "../shared/sleep.ts";

export type Work = Exclude<SagaEffect, { kind: "stop" }>;

export class SagaEffects {
	private built: PaymentProvider | null = null;

	constructor(
		private readonly createProvider: () => PaymentProvider,
		/** Writes the saga rows staged so far (checkout-store.ts): before an outside provider hears of a call. */
		private readonly writeStaged: () => void,
	) {}

	private provider(): PaymentProvider {
		this.built ??= this.createProvider();
		return this.built;
	}

	/** Why the provider can never charge this amount (chargeableAmountProblem); null when it may. */
	amountProblem(amountCents: number, currency: string): string | null {
		return chargeableAmountProblem(this.provider(), amountCents, currency);
	}

	/** The effect's outcome now, if the provider answers within the call; else undefined. */
	now(effect: Work): SagaInput | undefined {
		if (effect.kind === "wait") return undefined;
		const provider = this.provider();
		if (effect.kind === "refund") {
			const outcome = provider.refundNow?.(effect.paymentId, effect.idempotencyKey);
			return outcome === undefined ? undefined : { kind: "refunded", outcome };
		}
		if (effect.kind === "probe") {
			const outcome = provider.lookupNow?.(effect.request);
			return outcome === undefined ? undefined : { kind: "probed", outcome };
		}
		const outcome = provider.chargeNow?.(effect.request);
		return outcome === undefined ? undefined : { kind: "charged", outcome };
	}

	/** The effect's outcome once the provider (or, for a wait, the timer) answers. */
	async perform(effect: Work): Promise<SagaInput> {
		const provider = this.provider();
		// A provider outside the object hears of the call now: the step that names its key
		// must already be written, so that the output gate holds the call until it is durable.
		// One inside the object (the simulated one) writes its records in this same task and
		// commit, so the staged rows may wait for the end of the turn with the others.
		if (effect.kind !== "wait" && provider.inObject !== true) this.writeStaged();
		switch (effect.kind) {
			case "charge":
				return {
					kind: "charged",
					outcome: await provider.charge(effect.request, { timeoutMs: effect.timeoutMs }),
				};
			case "probe":
				return {
					kind: "probed",
					outcome: await provider.lookup(effect.request, { timeoutMs: effect.timeoutMs }),
				};
			case "refund":
				return {
					kind: "refunded",
					outcome: await provider.refund(effect.paymentId, effect.idempotencyKey, {
						timeoutMs: effect.timeoutMs,
					}),
				};
			case "wait":
				await sleep(effect.ms);
				return { kind: "retry" };
		}
	}
}
