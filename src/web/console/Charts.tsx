// Stock over time and the latency distribution, drawn with uPlot.

import { useMemo } from "preact/hooks";
import uPlot from "uplot";
import { Chart } from "../components/Chart.tsx";
import { Metric } from "../components/Metric.tsx";
import { ms } from "../lib/format.ts";
import { percentiles } from "../lib/percentiles.ts";
import type { StockPoint } from "./useDrop.ts";

/** Histogram bucket edges in ms: fine where latency usually is, coarse in the tail. */
const LATENCY_EDGES_MS = [1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800, 1200, 2000];

export function histogram(samples: readonly number[]): [number[], number[]] {
	const counts = new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0);
	for (const v of samples) {
		let i = LATENCY_EDGES_MS.findIndex((edge) => v < edge);
		if (i === -1) i = LATENCY_EDGES_MS.length;
		counts[i] = (counts[i] ?? 0) + 1;
	}
	return [counts.map((_, i) => i), counts];
}

function bucketLabel(i: number): string {
	if (i === 0) return `<${LATENCY_EDGES_MS[0]}`;
	if (i >= LATENCY_EDGES_MS.length) return `≥${LATENCY_EDGES_MS.at(-1)}`;
	return `${LATENCY_EDGES_MS[i - 1]}–${LATENCY_EDGES_MS[i]}`;
}

const STOCK_OPTIONS: Omit<uPlot.Options, "width" | "height"> = {
	series: [
		{},
		{ label: "Available", stroke: "#1a7f37", width: 2 },
		{ label: "Reserved", stroke: "#bf8700", width: 2 },
		{ label: "Sold", stroke: "#57606a", width: 2 },
	],
	axes: [{}, { size: 50 }],
	scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
};

const LATENCY_OPTIONS: Omit<uPlot.Options, "width" | "height"> = {
	scales: { x: { time: false } },
	series: [
		{ label: "ms", value: (_u, v) => (v === null ? "" : bucketLabel(v)) },
		{
			label: "Requests",
			stroke: "#0b57d0",
			fill: "rgba(11, 87, 208, 0.25)",
			paths: uPlot.paths.bars?.({ size: [0.8, 40] }),
			points: { show: false },
		},
	],
	axes: [
		{ values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? bucketLabel(t) : "")) },
		{ size: 40 },
	],
};

export function StockChart({ history }: { history: StockPoint[] }) {
	const data = useMemo<uPlot.AlignedData>(
		() => [
			history.map((p) => p.atS),
			history.map((p) => p.available),
			history.map((p) => p.reserved),
			history.map((p) => p.sold),
		],
		[history],
	);
	const last = history.at(-1);
	return (
		<Chart
			title="Stock over time"
			description={
				last
					? `Latest: ${last.available} available, ${last.reserved} reserved, ${last.sold} sold.`
					: "No data yet."
			}
			options={STOCK_OPTIONS}
			data={data}
		/>
	);
}

export function LatencyPanel({ samples }: { samples: readonly number[] }) {
	const p = percentiles(samples);
	const data = useMemo<uPlot.AlignedData>(() => histogram(samples), [samples]);
	return (
		<div class="grid-2">
			<section class="card" aria-labelledby="latency-title">
				<h2 id="latency-title">Latency</h2>
				<div class="metrics">
					<Metric label="p50">{p ? ms(p.p50) : "–"}</Metric>
					<Metric label="p95">{p ? ms(p.p95) : "–"}</Metric>
					<Metric label="p99">{p ? ms(p.p99) : "–"}</Metric>
				</div>
				<p class="muted small">
					Server time (meta.latencyMs) of the last {p?.count ?? 0} calls this console made to the
					drop's object.
				</p>
			</section>
			<Chart
				title="Latency distribution"
				description={
					p
						? `p50 ${ms(p.p50)}, p95 ${ms(p.p95)}, p99 ${ms(p.p99)} over ${p.count} requests.`
						: "No data yet."
				}
				options={LATENCY_OPTIONS}
				data={data}
			/>
		</div>
	);
}
