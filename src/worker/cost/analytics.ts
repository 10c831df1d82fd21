// One Analytics Engine data point per reservation decision (docs/demo.md:
// every decision is an Analytics Engine point). Locally the binding is a
// no-op and D1 stays the record (docs/architecture.md, "Runtime and parts"); where the
// binding is absent altogether nothing is written and nothing is charged.

import { costUsd } from "../../domain/pricing.ts";
import type { Ctx } from "../http.ts";
import { costState } from "./meta.ts";

export interface Decision {
	sku: string;
	mode: "safe" | "eventual";
	/** "reserved" or the error code the buyer got (sold_out, purchase_limit, …). */
	outcome: string;
	quantity: number;
}

/**
 * Layout, for SQL over the dataset: index1 = sku (AE's sampling key);
 * blob1 = sku, blob2 = outcome, blob3 = mode; double1 = latency ms,
 * double2 = the request's modelled cost in USD so far (this point included),
 * double3 = quantity.
 */
export function recordDecision(c: Ctx, d: Decision): void {
	const dataset = c.env.ANALYTICS;
	if (dataset === undefined) return;
	const usage = costState(c).usage;
	const usd = costUsd({ ...usage, aePoints: usage.aePoints + 1 });
	try {
		dataset.writeDataPoint({
			indexes: [d.sku],
			blobs: [d.sku, d.outcome, d.mode],
			doubles: [Date.now() - c.get("startedAtMs"), usd, d.quantity],
		});
	} catch (error) {
		// Telemetry never fails a reservation.
		console.warn("analytics write failed", String(error));
	}
}
