// The cost ledger of a simulated request: the same price table as the Worker
// (src/domain/pricing.ts) applied to the usage the real request would have —
// one Worker request, plus the object call, rows and reads the route makes.

import { costUsd, emptyUsage, PRICES_AS_OF, realUsd } from "../../domain/pricing.ts";
import type { CostLedger, Guardrail, UsageCounts } from "../../shared/types.ts";

/** The Worker's defaults (wrangler.jsonc vars): billing locked to zero. */
export const MOCK_BILLING_SCALE = 1e-9;
export const MOCK_COST_LIMIT_USD = 0;
/**
 * Far below the server's default (GUARDRAIL_VIRTUAL_USD=0.05) so that the
 * guardrail trips during the mock stampede: the mock exists to show that moment.
 */
export const MOCK_GUARDRAIL_USD = 0.0012;

export type RouteKind =
	| "plain"
	| "session"
	| "object-read"
	| "safe-reserve"
	| "eventual-reserve"
	| "reset";

export function usageOf(kind: RouteKind): UsageCounts {
	const u = emptyUsage();
	u.workerRequests = 1;
	u.workerCpuMs = 1;
	if (kind === "session") u.kvWrites = 1;
	if (kind === "object-read" || kind === "safe-reserve" || kind === "reset") {
		u.doRequests = 1;
		u.doWallMs = 1;
		u.doRowsRead = 1;
	}
	if (kind === "safe-reserve") {
		u.kvReads = 1;
		// The hold, the idempotency record, the counters and the outbox row.
		u.doRowsWritten = 4;
		u.aePoints = 1;
	}
	if (kind === "eventual-reserve") {
		u.kvReads = 1;
		u.d1RowsRead = 1;
		u.d1RowsWritten = 2;
		u.aePoints = 1;
	}
	if (kind === "reset") u.doRowsWritten = 2;
	return u;
}

export function ledger(
	kind: RouteKind,
	sessionTotalUsd: number | null,
): { cost: CostLedger; guardrail: Guardrail } {
	const usage = usageOf(kind);
	const requestUsd = costUsd(usage);
	const virtualUsd = sessionTotalUsd ?? requestUsd;
	return {
		cost: {
			requestUsd,
			usage,
			scope: sessionTotalUsd === null ? "request" : "session",
			virtualUsd,
			realUsd: realUsd(virtualUsd, MOCK_BILLING_SCALE),
			billingScale: MOCK_BILLING_SCALE,
			limitUsd: MOCK_COST_LIMIT_USD,
			pricesAsOf: PRICES_AS_OF,
		},
		guardrail: { thresholdUsd: MOCK_GUARDRAIL_USD, tripped: virtualUsd > MOCK_GUARDRAIL_USD },
	};
}
