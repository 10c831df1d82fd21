// Picks the payment provider from the environment. The simulated provider is the
// local default (docs/architecture.md: everything runs with only Node and npm); Stripe needs
// an explicit PAYMENT_PROVIDER=stripe and a secret, never a silent fallback.

import type { PaymentProvider } from "./provider";
import { MAX_SIM_LATENCY_MS, type SimRecord, SimulatedProvider, type SyncStore } from "./simulated";
import { StripeProvider } from "./stripe";

export * from "./provider";
export * from "./simulated";
export * from "./stripe";

export type PaymentProviderName = "simulated" | "stripe";

/** The part of the Worker's env this module reads. Vars arrive as strings. */
export interface PaymentConfig {
	/** A PaymentProviderName; typed string because env vars are unchecked. Default simulated. */
	PAYMENT_PROVIDER?: string;
	STRIPE_SECRET_KEY?: string;
	STRIPE_API_BASE?: string;
	PAYMENT_SIM_LATENCY_MS?: string | number;
}

/**
 * Throws on a misconfiguration (unknown provider, Stripe without a secret, bad
 * latency): that is a deployment bug, not an expected outcome.
 * `store` backs the simulated provider's state (pass the Durable Object's SQLite).
 */
export function createPaymentProvider(
	config: PaymentConfig,
	store?: SyncStore<SimRecord>,
): PaymentProvider {
	const name = config.PAYMENT_PROVIDER || "simulated";
	switch (name) {
		case "simulated":
			return new SimulatedProvider({
				latencyMs: parseLatencyMs(config.PAYMENT_SIM_LATENCY_MS),
				store,
			});
		case "stripe": {
			const secretKey = config.STRIPE_SECRET_KEY;
			if (!secretKey) throw new Error("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY");
			return new StripeProvider({ secretKey, apiBase: config.STRIPE_API_BASE || undefined });
		}
		default:
			throw new Error(`PAYMENT_PROVIDER must be "simulated" or "stripe", got "${name}"`);
	}
}

function parseLatencyMs(value: string | number | undefined): number {
	if (value === undefined || value === "") return 0;
	const latencyMs = typeof value === "number" ? value : Number(value.trim());
	if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > MAX_SIM_LATENCY_MS) {
		throw new Error(`PAYMENT_SIM_LATENCY_MS must be 0..${MAX_SIM_LATENCY_MS}, got "${value}"`);
	}
	return latencyMs;
}
