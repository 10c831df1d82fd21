// The cost ledger of a simulated request: the same price table as the Worker
// (src/domain/pricing.ts) applied to the usage the real request would have —
// one Worker request, plus the object call, rows and reads the route makes.

import { costUsd, emptyUsage, PRICES_AS_OF, realUsd } from "../../domain/pricing.ts";
import { type DemoGuardrailSetting, demoGuardrail } from "../../shared/demo-guardrail.ts";
import type { CostLedger, Guardrail, UsageCounts } from "../../shared/types.ts";

/** The Worker's defaults (wrangler.jsonc vars): billing locked to zero. */
export const MOCK_BILLING_SCALE = 1e-9;
export const MOCK_COST_LIMIT_USD = 0;
/**
 * The Worker's own default (wrangler.jsonc GUARDRAIL_VIRTUAL_USD), for a session
 * that set no threshold of its own; the demo page sets one at login
 * (shared/demo-guardrail.ts), the same in mock and live.
 */
export const MOCK_SERVER_GUARDRAIL_USD = 0.05;

export type RouteKind =
	| "plain"
	| "session"
	| "object-read"
	| "safe-reserve"
	/** A safe attempt the object refused (sold out, limit): it writes only the counters' row. */
	| "safe-reject"
	| "eventual-reserve"
	/** A checkout the SKU's object ran: the hold, the saga row and the outbox written. */
	| "checkout"
	| "reset"
	/** The session's ledger object written (its demo guardrail). */
	| "ledger-write";

export function usageOf(kind: RouteKind): UsageCounts {
	const u = emptyUsage();
	u.workerRequests = 1;
	u.workerCpuMs = 1;
	if (kind === "session") u.kvWrites = 1;
	if (
		kind === "object-read" ||
		kind === "safe-reserve" ||
		kind === "safe-reject" ||
		kind === "reset" ||
		kind === "ledger-write" ||
		kind === "checkout"
	) {
		u.doRequests = 1;
		u.doWallMs = 1;
		u.doRowsRead = 1;
	}
	if (kind === "safe-reserve" || kind === "safe-reject") {
		u.kvReads = 1;
		// A hold writes the hold, the idempotency record, the counters and the outbox row; a refusal the counters.
		u.doRowsWritten = kind === "safe-reserve" ? 4 : 1;
		u.aePoints = 1;
	}
	if (kind === "ledger-write") u.doRowsWritten = 1;
	if (kind === "checkout") {
		u.kvReads = 1;
		u.doRowsWritten = 3;
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
	demo: DemoGuardrailSetting | null = null,
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
		// The Worker's rule (worker/cost/meta.ts): a session's own demo threshold, else the server's.
		guardrail:
			demo !== null
				? demoGuardrail(demo, virtualUsd)
				: {
						thresholdUsd: MOCK_SERVER_GUARDRAIL_USD,
						tripped: virtualUsd > MOCK_SERVER_GUARDRAIL_USD,
					},
	};
}
