// The per-request usage meter. Every request starts with one Worker request
// and a CPU estimate; the metered bindings (bindings.ts) add what the request
// really did: object calls, rows the object reports, D1 rows, KV operations,
// Analytics Engine points.

import { emptyUsage } from "../../domain/pricing.ts";
import type { UsageCounts } from "../../shared/types.ts";

/**
 * CPU milliseconds charged per request. A Worker cannot read its own CPU
 * time (clocks stop during execution as a Spectre mitigation), so this is an
 * estimate: routing, one JSON parse and one JSON response of this app take
 * well under a millisecond, and rounding up to 1 ms keeps the model on the
 * side of overstating cost. At $0.02 per million CPU ms it is 6% of the
 * $0.30-per-million request price, so the estimate cannot move the totals much.
 */
export const WORKER_CPU_MS_PER_REQUEST = 1;

export type { SqlRows } from "../../inventory/rows.ts";

export function requestUsage(): UsageCounts {
	const usage = emptyUsage();
	usage.workerRequests = 1;
	usage.workerCpuMs = WORKER_CPU_MS_PER_REQUEST;
	return usage;
}

export function addUsage(into: UsageCounts, more: Partial<UsageCounts>): void {
	for (const key of Object.keys(more) as (keyof UsageCounts)[]) {
		into[key] += more[key] ?? 0;
	}
}
