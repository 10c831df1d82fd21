// Available / reserved / sold as one bar and as numbers (the numbers are the
// accessible version: the bar is decoration), grouped like the price beside them.

import type { Availability } from "../../shared/types.ts";
import { units } from "../lib/format.ts";
import { Metric } from "./Metric.tsx";

export function StockBar({ availability }: { availability: Availability }) {
	const { total, available, reserved, sold } = availability;
	const pct = (n: number) => (total > 0 ? `${(100 * n) / total}%` : "0%");
	return (
		<div class="stock">
			<div class="stock-bar" aria-hidden="true">
				<span class="seg-sold" style={{ width: pct(sold) }} />
				<span class="seg-reserved" style={{ width: pct(reserved) }} />
				<span class="seg-available" style={{ width: pct(available) }} />
			</div>
			<div class="metrics">
				<Metric label="Available">{units(available)}</Metric>
				<Metric label="Held">{units(reserved)}</Metric>
				<Metric label="Sold">{units(sold)}</Metric>
				<Metric label="Total">{units(total)}</Metric>
			</div>
		</div>
	);
}
