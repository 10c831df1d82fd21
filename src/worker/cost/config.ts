// The cost ledger's configuration (docs/api.md, Configuration; wrangler.jsonc vars).

import { type Env, numberVar } from "../env.ts";

/** Real spend = virtual × 1e-9: locked to zero for any plausible demo (docs/demo.md). */
export const DEFAULT_BILLING_SCALE = 1e-9;
/** Real dollars a session may be billed: none. */
export const DEFAULT_DEMO_COST_LIMIT = 0;
/** Same default as wrangler.jsonc, for environments that do not set the var. */
export const DEFAULT_GUARDRAIL_VIRTUAL_USD = 0.05;

export interface CostConfig {
	billingScale: number;
	limitUsd: number;
	guardrailUsd: number;
}

/** A negative value makes no sense for any of these; it falls back to zero rather than refusing everything. */
export function costConfig(env: Env): CostConfig {
	return {
		billingScale: Math.max(0, numberVar(env.BILLING_SCALE, DEFAULT_BILLING_SCALE)),
		limitUsd: Math.max(0, numberVar(env.DEMO_COST_LIMIT, DEFAULT_DEMO_COST_LIMIT)),
		guardrailUsd: Math.max(0, numberVar(env.GUARDRAIL_VIRTUAL_USD, DEFAULT_GUARDRAIL_VIRTUAL_USD)),
	};
}
