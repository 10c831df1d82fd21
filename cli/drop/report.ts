// The run's result: the object printed with --json, and the two files under
// reports/ (gitignored) named by the run's start time: <stamp>.json and a
// self-contained <stamp>.html with the charts.

import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { ROOT } from "../../scripts/config.ts";
import { CLOCK_STEP_MIN_MS, type LapseCause, type LapsedTiming, SHORT_GRANT_MS } from "./acts.ts";
import { renderHtml } from "./html.ts";
import type { LatencySummary } from "./latency.ts";
import type { Mode, SessionSource } from "./options.ts";
import type { AvailabilitySample } from "./types.ts";

export interface DropResult {
	sku: string;
	mode: Mode;
	url: string;
	seed: number;
	startedAt: string;
	stock: number;
	buyers: number;
	/** Where the buyers' sessions came from (operator-issued load-test sessions or the public door). */
	sessions: SessionSource;
	/** Buyers paused between attempts like people (buyers.ts). */
	pacing: boolean;
	/** The target's rate limits were on (GET /api/admin/limits). */
	rateLimits: boolean;
	/** Answers to the buyers' reads of the product before the burst, by status. */
	productReads: Record<string, number>;
	/** Reserve requests sent (deliberate duplicate sends included). */
	attempts: number;
	/** Distinct holds granted (eventual mode: allocations). */
	holds: number;
	heldUnits: number;
	/** Units sold according to the server's records. */
	sold: number;
	/** Units beyond stock from the records (eventual mode: stats.eventual.oversellDelta). */
	oversell: number;
	verified: boolean;
	failures: string[];
	/** Rules this mode breaks by design (eventual mode: "no oversell"). */
	expectedFailures: string[];
	latencyMs: LatencySummary;
	attemptsPerSec: number;
	burstSeconds: number;
	statusCounts: Record<string, number>;
	/** Refusals by error code, as the run saw them: every refused answer, replays included. */
	codeCounts: Record<string, number>;
	/**
	 * Refusals by reason, as the server counted them (stats.rejected): the ones it decided, so a
	 * copy answered from its key's stored answer is not among them.
	 */
	rejected: Record<string, number>;
	duplicatePairs: number;
	settle: {
		checkoutStatus: Record<string, number>;
		cancelStatus: Record<string, number>;
		checkoutLatencyMs: LatencySummary;
		checkoutReplays: number;
		checkoutReplayMismatches: number;
		/** Checkouts answered 410: the hold had lapsed first (cli/drop/acts.ts). */
		lapsedCheckouts: number;
		/** Those, by what made them lapse (acts.ts lapseCause). */
		lapsedCauses: Record<LapseCause, number>;
		/** The first lapsed checkouts' hold life left when sent and when answered, ms. */
		lapsedTimings: LapsedTiming[];
		/** Checkouts and cancels not sent: their hold lapsed while they waited for a place. */
		lapsedInQueue: number;
		/** Of those, due with under a second of the hold left (acts.ts): the buyer's lateness. */
		lapsedInQueueDueLate: number;
		/** Checkouts answered while the burst still ran. */
		checkoutsDuringBurst: number;
		/** Units cancels and failed payments sent during the burst released (or may have: answer lost). */
		freedUnitsDuringBurst: number;
		/** The longest an act waited past its think time for a place among the checkouts in flight. */
		actQueuedMsMax: number;
		/** Checkouts and cancels in flight at most (acts.ts MAX_CHECKOUT_CONCURRENCY). */
		actSlots: number;
		/** Holds whose checkout or cancel never went out: the run stopped first. */
		notActed: number;
		fates: Record<string, number>;
	} | null;
	events: number;
	/** Wall time per phase: setup (product, sessions), burst, settle (checkouts, cancels, expiry wait), records. */
	phaseSeconds: Record<string, number>;
	/** Every 429 the run was answered, by phase (retried ones included) and by the sampler. */
	rateLimited: Record<string, number>;
	/**
	 * Requests sent again because they met a kept-alive socket the server had just closed (only
	 * reads and keyed writes; cli/drop/http.ts, docs/decisions/052-kept-alive-sockets.md).
	 */
	staleResends: number;
	durationSeconds: number;
	reportPath: string | null;
	jsonPath: string | null;
}

export interface ChartData {
	/** [upper bound ms, count] per latency bin. */
	latencyBins: [number, number][];
	/** [percentile, ms]. */
	latencyPercentiles: [number, number][];
	samples: AvailabilitySample[];
}

/** File stem from the run's start time: 2025-01-31T12-00-00-000Z (sortable, no colons). */
export function reportStem(startedAt: string, sku: string): string {
	return `drop-${startedAt.replace(/[:.]/g, "-")}-${sku}`;
}

/** Writes <dir>/<stem>.json and .html; returns the paths (relative to the repo when inside it). */
export function writeReports(
	dir: string,
	result: DropResult,
	charts: ChartData,
): { jsonPath: string; reportPath: string } {
	const abs = isAbsolute(dir) ? dir : join(ROOT, dir);
	mkdirSync(abs, { recursive: true });
	const stem = reportStem(result.startedAt, result.sku);
	const jsonAbs = join(abs, `${stem}.json`);
	const htmlAbs = join(abs, `${stem}.html`);
	const shown = (p: string) => (p.startsWith(ROOT) ? relative(ROOT, p) : p);
	const paths = { jsonPath: shown(jsonAbs), reportPath: shown(htmlAbs) };
	const full = { ...result, ...paths };
	writeFileSync(jsonAbs, `${JSON.stringify({ ...full, charts }, null, 2)}\n`);
	writeFileSync(htmlAbs, renderHtml(full, charts));
	return paths;
}

/** The human summary printed without --json. */
export function summaryLines(r: DropResult): string[] {
	const lines = [
		`drop ${r.sku} (${r.mode}) on ${r.url}: ${r.verified ? "VERIFIED" : "NOT VERIFIED"}`,
		`  stock ${r.stock}, buyers ${r.buyers}, attempts ${r.attempts} in ${r.burstSeconds} s (${r.attemptsPerSec}/s)`,
		`  holds ${r.holds} (${r.heldUnits} units), sold ${r.sold}, oversell ${r.oversell}`,
		`  reserve latency p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
		`  answers ${JSON.stringify(r.statusCounts)}, refusals ${JSON.stringify(r.codeCounts)}`,
		`  rate limits ${r.rateLimits ? "on" : "off"}, ${r.sessions === "admin" ? "operator-issued" : "public"} sessions, ${r.pacing ? "paced like people" : "no pacing"}; product reads ${JSON.stringify(r.productReads)}; 429 answers ${JSON.stringify(r.rateLimited)}; sent again after a closed kept-alive socket ${r.staleResends}`,
	];
	if (r.settle !== null) {
		lines.push(
			`  fates ${JSON.stringify(r.settle.fates)}; checkout ${JSON.stringify(r.settle.checkoutStatus)} p95 ${r.settle.checkoutLatencyMs.p95} ms; cancel ${JSON.stringify(r.settle.cancelStatus)}`,
			`  checkouts during the burst ${r.settle.checkoutsDuringBurst}, met a lapsed hold ${r.settle.lapsedCheckouts}${lapsedSaid(r.settle)}; not sent, the hold lapsed waiting for a place among ${r.settle.actSlots} in flight ${r.settle.lapsedInQueue} (longest wait ${r.settle.actQueuedMsMax} ms); not acted on ${r.settle.notActed}`,
		);
	}
	for (const f of r.failures) lines.push(`  FAIL ${f}`);
	for (const f of r.expectedFailures) lines.push(`  expected failure: ${f}`);
	if (r.reportPath !== null) lines.push(`  report ${r.reportPath} (data ${r.jsonPath})`);
	return lines;
}

/** Why the lapsed checkouts lapsed (acts.ts lapseCause), and the first ones' timings. */
function lapsedSaid(settle: NonNullable<DropResult["settle"]>): string {
	if (settle.lapsedCheckouts === 0) return "";
	const c = settle.lapsedCauses;
	const causes = [
		`${c.inFlight} on their way`,
		`${c.grantedShort} granted with under ${SHORT_GRANT_MS} ms of the hold left`,
		`${c.clockStepped} met a step of the wall clock`,
		`${c.sentLate} sent late`,
	].join(", ");
	const after = (ms: number) => (ms <= 0 ? `${-ms} ms after` : `${ms} ms before`);
	const timings = settle.lapsedTimings
		.map(
			(t) =>
				`granted with ${t.leftAtGrantMs} ms left, sent ${t.leftAtSendMs} ms before the hold's end, answered ${after(t.leftAtAnswerMs)} it${Math.abs(t.clockStepMs) < CLOCK_STEP_MIN_MS ? "" : `, the wall clock moved ${t.clockStepMs} ms past the time meanwhile`}`,
		)
		.join("; ");
	return ` (${causes}: ${timings})`;
}
