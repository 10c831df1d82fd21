// The HTML report: one self-contained file (uPlot's JS and CSS inlined, the data
// embedded as JSON), so it opens from disk or as a CI artifact without a server.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/config.ts";
import type { ChartData, DropResult } from "./report.ts";

const UPLOT_DIR = join(ROOT, "node_modules", "uplot", "dist");

function uplotAssets(): { js: string; css: string } | null {
	try {
		return {
			js: readFileSync(join(UPLOT_DIR, "uPlot.iife.min.js"), "utf8"),
			css: readFileSync(join(UPLOT_DIR, "uPlot.min.css"), "utf8"),
		};
	} catch {
		return null;
	}
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside <script>: no "</script>" or "<!--" can form. */
function scriptJson(value: unknown): string {
	return JSON.stringify(value).replace(/</g, "\\u003c");
}

function table(rows: [string, string | number][]): string {
	return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`).join("")}</table>`;
}

export function renderHtml(r: DropResult, charts: ChartData): string {
	const assets = uplotAssets();
	const verdict = r.verified ? "verified" : "NOT verified";
	const facts: [string, string | number][] = [
		["target", r.url],
		["SKU / mode", `${r.sku} / ${r.mode}`],
		["started", r.startedAt],
		["seed", r.seed],
		["stock", r.stock],
		[
			"buyers",
			`${r.buyers} (${r.sessions === "admin" ? "operator-issued" : "public"} sessions, ${r.pacing ? "paced like people" : "no pacing"})`,
		],
		["rate limits", r.rateLimits ? "on" : "off"],
		["product reads before the drop", JSON.stringify(r.productReads)],
		["attempts", r.attempts],
		["burst", `${r.burstSeconds} s, ${r.attemptsPerSec} attempts/s`],
		["holds", `${r.holds} (${r.heldUnits} units)`],
		["sold", r.sold],
		["oversell", r.oversell],
		[
			"reserve latency",
			`p50 ${r.latencyMs.p50} ms · p95 ${r.latencyMs.p95} ms · p99 ${r.latencyMs.p99} ms · max ${r.latencyMs.max} ms`,
		],
		["answers", JSON.stringify(r.statusCounts)],
		// The two differ by the copies answered from their key's stored answer (duplicate pairs,
		// src/inventory/batch-decisions.ts): the server counts its decisions, not its answers.
		[
			"refusals (run)",
			`${JSON.stringify(r.codeCounts)}: every refused answer, copies answered from their key's stored answer included`,
		],
		[
			"refusals (server stats)",
			`${JSON.stringify(r.rejected)}: the refusals the server decided; a stored answer given again is not one`,
		],
		["429 answers by phase", JSON.stringify(r.rateLimited)],
		["sent again after a closed kept-alive socket", r.staleResends],
		["duplicate pairs", r.duplicatePairs],
		["audit events", r.events],
		["run time", `${r.durationSeconds} s ${JSON.stringify(r.phaseSeconds)}`],
	];
	if (r.settle !== null) {
		facts.push(
			["fates", JSON.stringify(r.settle.fates)],
			["checkout answers", JSON.stringify(r.settle.checkoutStatus)],
			[
				"checkouts during the burst · met a lapsed hold · not sent, the hold lapsed waiting",
				`${r.settle.checkoutsDuringBurst} · ${r.settle.lapsedCheckouts} · ${r.settle.lapsedInQueue}`,
			],
			[
				"checkout latency",
				`p50 ${r.settle.checkoutLatencyMs.p50} ms · p95 ${r.settle.checkoutLatencyMs.p95} ms · p99 ${r.settle.checkoutLatencyMs.p99} ms`,
			],
			[
				"checkout replays",
				`${r.settle.checkoutReplays} (${r.settle.checkoutReplayMismatches} mismatched)`,
			],
			["cancel answers", JSON.stringify(r.settle.cancelStatus)],
		);
	}
	const list = (items: string[]) =>
		`<ul>${items.map((f) => `<li>${escapeHtml(f)}</li>`).join("")}</ul>`;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Drop ${escapeHtml(r.sku)}: ${verdict}</title>
<style>${assets?.css ?? ""}
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}
h1{font-size:1.4rem}.ok{color:#116b2b}.bad{color:#a11}
table{border-collapse:collapse;margin:1rem 0}th,td{text-align:left;padding:.2rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}
th{font-weight:600;white-space:nowrap}.chart{margin:1.5rem 0}
</style></head><body>
<h1>Drop simulator · <span class="${r.verified ? "ok" : "bad"}">${verdict}</span></h1>
${r.failures.length > 0 ? `<h2 class="bad">Failures</h2>${list(r.failures)}` : ""}
${r.expectedFailures.length > 0 ? `<h2>Expected failures (by design in this mode)</h2>${list(r.expectedFailures)}` : ""}
${table(facts)}
<h2>Reserve latency</h2><div id="latency" class="chart"></div>
<h2>Latency by percentile</h2>
${table(charts.latencyPercentiles.map(([p, ms]) => [`p${p}`, `${ms} ms`]))}
<h2>Stock over time</h2><div id="stock" class="chart"></div>
${assets === null ? "<p>uPlot was not found in node_modules, so the charts are missing; the data is in the JSON file.</p>" : ""}
<script type="application/json" id="data">${scriptJson(charts)}</script>
${
	assets === null
		? ""
		: `<script>${assets.js}</script>
<script>${CHART_SCRIPT}</script>`
}
</body></html>
`;
}

/** Runs in the browser: draws the two charts from the embedded data with uPlot. */
const CHART_SCRIPT = `
const data = JSON.parse(document.getElementById("data").textContent);
const width = Math.min(960, document.body.clientWidth);
if (data.latencyBins.length > 0) {
  new uPlot({
    width, height: 300,
    scales: { x: { time: false, distr: 3 } },
    axes: [{ label: "latency (ms, log)" }, { label: "requests" }],
    series: [{ label: "≤ ms" }, { label: "requests", fill: "rgba(40,100,200,0.35)", stroke: "#2864c8",
      paths: uPlot.paths.bars({ size: [0.9, 40] }), points: { show: false } }],
  }, [data.latencyBins.map((b) => b[0]), data.latencyBins.map((b) => b[1])], document.getElementById("latency"));
}
if (data.samples.length > 0) {
  const s = data.samples;
  new uPlot({
    width, height: 300,
    scales: { x: { time: false } },
    axes: [{ label: "seconds since the burst started" }, { label: "units" }],
    series: [{ label: "s" },
      { label: "available", stroke: "#2a9d3f" },
      { label: "reserved", stroke: "#d08a00" },
      { label: "sold", stroke: "#b02a2a" },
      { label: "total", stroke: "#888", dash: [4, 4] }],
  }, [s.map((p) => p.tMs / 1000), s.map((p) => p.available), s.map((p) => p.reserved), s.map((p) => p.sold), s.map((p) => p.total)],
  document.getElementById("stock"));
}
`;
