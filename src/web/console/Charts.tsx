// Stock over time, and the server's decision latency and attempts per second over time, drawn with uPlot.

import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import type { SkuMetrics } from "../../shared/types.ts";
import { fitLabels } from "../components/axis-size.ts";
import { Chart } from "../components/Chart.tsx";
import { Metric } from "../components/Metric.tsx";
import { chartTime, counted, ms } from "../lib/format.ts";
import { addressRefusalsLine, refusalsInSeries, refusedInSecond } from "./address-refusals.ts";
import { metricsGapsLine } from "./metrics-gaps.ts";
import type { StockPoint } from "./useDrop.ts";

/**
 * The time axis and the legend's time in the console's own format (format.ts chartTime): the
 * axis with seconds only when its ticks are less than a minute apart.
 */
const TIME_SERIES: uPlot.Series = { value: (_u, v) => (v === null ? "–" : chartTime(v)) };
const TIME_AXIS: uPlot.Axis = {
	// Whole seconds and minutes only (no two ticks say the same second), and room for a label.
	incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
	space: 90,
	values: (_u, ticks, _axis, _space, increment) => ticks.map((t) => chartTime(t, increment < 60)),
};

const STOCK_OPTIONS: Omit<uPlot.Options, "width" | "height"> = {
	series: [
		TIME_SERIES,
		{ label: "Available", stroke: "#1a7f37", width: 2 },
		{ label: "Reserved", stroke: "#bf8700", width: 2 },
		{ label: "Sold", stroke: "#57606a", width: 2 },
	],
	axes: [TIME_AXIS, { size: fitLabels }],
	scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
};

const LATENCY_OPTIONS: Omit<uPlot.Options, "width" | "height"> = {
	series: [
		TIME_SERIES,
		{ label: "p50", stroke: "#1a7f37", width: 2, spanGaps: false },
		{ label: "p95", stroke: "#bf8700", width: 2, spanGaps: false },
		{ label: "p99", stroke: "#cf222e", width: 2, spanGaps: false },
	],
	axes: [TIME_AXIS, { size: fitLabels, values: (_u, ticks) => ticks.map((t) => `${t} ms`) }],
	scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
};

const THROUGHPUT_OPTIONS: Omit<uPlot.Options, "width" | "height"> = {
	series: [
		TIME_SERIES,
		{ label: "Attempts/s", stroke: "#0b57d0", width: 2 },
		{ label: "Rejections/s", stroke: "#cf222e", width: 2 },
		// Not reserve attempts: upgrades and joins refused at the per-address caps (decision 141).
		{ label: "Refused at address caps/s", stroke: "#8250df", width: 2, dash: [4, 4] },
	],
	axes: [TIME_AXIS, { size: fitLabels }],
	scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
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

/** The "now" throughput figure: the 15-minute average hides a burst that just ended. */
const RECENT_SECONDS = 60;

function rate(perSec: number): string {
	return perSec === 0 ? "0" : perSec < 10 ? perSec.toFixed(2) : String(Math.round(perSec));
}

/**
 * The reserve path as the SKU's object saw it, from GET …/metrics: decision
 * latency (from the attempt's arrival at the edge to its batch's decision) and
 * attempts per second over the last 15 minutes. The history is the server's,
 * so a reload shows it again.
 */
export function LatencyPanel({ metrics }: { metrics: SkuMetrics | null }) {
	const series = metrics?.series ?? [];
	const w = metrics?.window ?? null;
	const attempts = series.reduce((n, p) => n + p.attempts, 0);
	const rejected = series.reduce((n, p) => n + p.rejected, 0);
	const peak = series.reduce((n, p) => Math.max(n, p.attempts), 0);
	const recent = series.slice(-RECENT_SECONDS);
	const recentPerSec = recent.reduce((n, p) => n + p.attempts, 0) / Math.max(1, recent.length);
	const minutes = Math.round(series.length / 60);
	const capsLine = addressRefusalsLine(refusalsInSeries(series));
	const gapsLine = metrics === null ? null : metricsGapsLine(metrics);
	const latencyData = useMemo<uPlot.AlignedData>(
		() => [
			series.map((p) => Date.parse(p.at) / 1000),
			series.map((p) => p.latencyMsP50),
			series.map((p) => p.latencyMsP95),
			series.map((p) => p.latencyMsP99),
		],
		[metrics],
	);
	const throughputData = useMemo<uPlot.AlignedData>(
		() => [
			series.map((p) => Date.parse(p.at) / 1000),
			series.map((p) => p.attempts),
			series.map((p) => p.rejected),
			series.map(refusedInSecond),
		],
		[metrics],
	);
	const pct = (v: number | null | undefined) => (v === null || v === undefined ? "–" : ms(v));
	return (
		<>
			<section class="card" aria-labelledby="latency-title">
				<h2 id="latency-title">Server decision latency</h2>
				<div class="metrics">
					<Metric label="p50">{pct(w?.latencyMsP50)}</Metric>
					<Metric label="p95">{pct(w?.latencyMsP95)}</Metric>
					<Metric label="p99">{pct(w?.latencyMsP99)}</Metric>
					<Metric label="Edge p50">{pct(w?.edgeLatencyMsP50)}</Metric>
					<Metric label="Edge p95">{pct(w?.edgeLatencyMsP95)}</Metric>
					<Metric label="Edge p99">{pct(w?.edgeLatencyMsP99)}</Metric>
					<Metric label="Attempts">{metrics ? attempts : "–"}</Metric>
					<Metric label="Rejected">{metrics ? rejected : "–"}</Metric>
					<Metric label="Attempts/s (last minute)">{metrics ? rate(recentPerSec) : "–"}</Metric>
					<Metric label="Peak attempts/s">{metrics ? peak : "–"}</Metric>
				</div>
				<p class="muted small">
					Measured by the drop's object (a split drop: all its shards', added up on each read) over
					the last {minutes || 15} minutes, at 1-second resolution: each reserve attempt from its
					arrival at the edge to the moment its batch was decided. Attempts the edge answered alone
					(sold out, not started) are counted but carry no decision latency. "Edge" percentiles are
					each reserve request as the Worker saw it, from its arrival to its answer (edge answers
					included), delivered in batches about a second late. The history restarts when the object
					restarts, as an idle one does (locally after about 10 s without requests).
				</p>
				{gapsLine !== null && <p class="small">{gapsLine}</p>}
			</section>
			<div class="grid-2">
				<Chart
					title="Decision latency over time"
					description={
						w && w.latencyMsP50 !== null
							? `Last ${counted(minutes, "minute")}: p50 ${pct(w.latencyMsP50)}, p95 ${pct(w.latencyMsP95)}, p99 ${pct(w.latencyMsP99)}.`
							: "No decided attempts in the last 15 minutes."
					}
					options={LATENCY_OPTIONS}
					data={latencyData}
				/>
				<Chart
					title="Attempts per second"
					description={
						metrics
							? `Last ${counted(minutes, "minute")}: ${counted(attempts, "attempt")}, ${rejected} rejected, peak ${peak} a second.${capsLine === null ? "" : ` ${capsLine}`}`
							: "No data yet."
					}
					options={THROUGHPUT_OPTIONS}
					data={throughputData}
				/>
			</div>
		</>
	);
}
