// The drop's HTML report (cli/drop/html.ts): its two refusal counts say what each counts, the
// run's every refused answer and the server's decisions (a copy answered from its key's stored
// answer is one more answer, no new decision; docs/drop-simulator.md, `codeCounts` and
// `rejected`). Before, "refusals (run) {"sold_out":18751}" stood beside "refusals (server stats)
// {"sold_out":18563}" with nothing saying why they differ. Pure (no server): here beside the
// other cli/drop modules' tests, which reach Node-only modules (scripts/config.ts).
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../cli/drop/html.ts";
import type { DropResult } from "../../cli/drop/report.ts";

const latency = { count: 1, p50: 1, p95: 1, p99: 1, max: 1, mean: 1 };

const result: DropResult = {
	sku: "DROP-1",
	mode: "safe",
	url: "http://127.0.0.1:8787",
	seed: 1,
	startedAt: "2026-12-01T00:00:00.000Z",
	stock: 10,
	buyers: 10,
	sessions: "admin",
	pacing: true,
	rateLimits: true,
	productReads: { "200": 10 },
	attempts: 30,
	holds: 10,
	heldUnits: 10,
	sold: 5,
	oversell: 0,
	verified: true,
	failures: [],
	expectedFailures: [],
	latencyMs: latency,
	attemptsPerSec: 10,
	burstSeconds: 3,
	statusCounts: { "201": 10, "409": 20 },
	codeCounts: { sold_out: 20 },
	rejected: { sold_out: 18 },
	duplicatePairs: 2,
	settle: null,
	events: 30,
	phaseSeconds: {},
	rateLimited: {},
	staleResends: 0,
	durationSeconds: 10,
	reportPath: null,
	jsonPath: null,
};

describe("the HTML report's refusals", () => {
	it("say what each counts: every refused answer, and the server's decisions", () => {
		const html = renderHtml(result, { latencyBins: [], latencyPercentiles: [], samples: [] });
		const row = (label: string) => new RegExp(`<th>${label}</th><td>([^<]*)</td>`).exec(html)?.[1];
		expect(row("refusals \\(run\\)")).toBe(
			"{&#34;sold_out&#34;:20}: every refused answer, copies answered from their key&#39;s stored answer included",
		);
		expect(row("refusals \\(server stats\\)")).toBe(
			"{&#34;sold_out&#34;:18}: the refusals the server decided; a stored answer given again is not one",
		);
	});
});
