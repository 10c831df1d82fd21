// Picks the payment provider from the configuration. The simulated provider is the
// local default (docs/architecture.md: everything runs with only Node and npm); Stripe needs
// an explicit PAYMENT_PROVIDER=stripe and a secret, never a silent fallback. The
// variables are parsed with the rest of the configuration (src/shared/config.ts),
// so a misconfigured provider stops the Worker before the first checkout.

import { type PaymentSettings, type PaymentVars, parsePaymentVars } from "../shared/config.ts";
import { chargeableAmountProblem, type PaymentProvider } from "./provider";
import type { SimRecord, SyncStore } from "./sim-store";
import { SimulatedProvider } from "./simulated";
import { StripeProvider } from "./stripe";

export * from "./provider";
export * from "./sim-store";
export * from "./simulated";
export * from "./stripe";
export * from "./stripe-amounts";

export type PaymentProviderName = PaymentSettings["provider"];

/**
 * The provider the settings name. `store` backs the simulated provider's state
 * (pass the Durable Object's SQLite).
 */
export function paymentProvider(
	settings: PaymentSettings,
	store?: SyncStore<SimRecord>,
): PaymentProvider {
	if (settings.provider === "simulated")
		return new SimulatedProvider({ latencyMs: settings.simLatencyMs, store });
	return new StripeProvider({ secretKey: settings.secretKey, apiBase: settings.apiBase });
}

/** One provider per settings object, for its checks only (configOf parses the settings once per environment). */
const checkers = new WeakMap<PaymentSettings, PaymentProvider>();

/**
 * Why the configured provider can never take `paymentMethod` (PaymentProvider.methodProblem),
 * for the checkout route's 400 before anything reaches the hold; null when it may.
 */
export function paymentMethodProblem(
	settings: PaymentSettings,
	paymentMethod: string,
): string | null {
	return checkerFor(settings).methodProblem?.(paymentMethod) ?? null;
}

function checkerFor(settings: PaymentSettings): PaymentProvider {
	let provider = checkers.get(settings);
	if (provider === undefined) {
		provider = paymentProvider(settings);
		checkers.set(settings, provider);
	}
	return provider;
}

/**
 * Why the configured provider can never charge `amountCents` in `currency`
 * (chargeableAmountProblem: its own rules and the bound every provider has), for the 400 of a price set at create or PATCH; null when it may.
 */
export function paymentAmountProblem(
	settings: PaymentSettings,
	amountCents: number,
	currency: string,
): string | null {
	return chargeableAmountProblem(checkerFor(settings), amountCents, currency);
}

/**
 * The same from the raw variables. Throws a ConfigError naming the variable on a
 * misconfiguration (unknown provider, Stripe without a secret, bad latency).
 */
export function createPaymentProvider(
	vars: PaymentVars,
	store?: SyncStore<SimRecord>,
): PaymentProvider {
	return paymentProvider(parsePaymentVars(vars), store);
}
