// `npm run drop -- [options]`: a flash sale against a running server, then a
// verdict from the server's own records. Phases: preflight (target, operator
// token, buyer sessions) → fresh SKU, read by every buyer → burst of reserve
// attempts, each hold checked out, cancelled or left alone while it lives (drop/acts.ts) →
// the last checkouts and cancels, then the expiry → read the records → verify → report.
// Progress goes to stderr; the result to stdout (with --json,
// its last line is one JSON object). Exit code: 0 verified, 1 not, 2 no run (nothing
// was created), 3 cut: the SKU exists but the run could not be finished (the server
// stopped answering, or its records could not be read; server-watch.ts).
// The run is bounded in count (options.ts limits) and in time (--max-seconds),
// and talks to the --url host alone.

import { randomBytes } from "node:crypto";
import { seededRandom } from "../test/support/random.ts";
import { Acts } from "./drop/acts.ts";
import { runBurst } from "./drop/burst.ts";
import { ipHeader, OPERATOR_IP, sendsClientIps, thinkMinMs } from "./drop/buyers.ts";
import { type CutPhase, cutSentence } from "./drop/cut.ts";
import { runFairness } from "./drop/fairness.ts";
import { fairnessLines } from "./drop/fairness-report.ts";
import type { FairnessRun } from "./drop/fairness-truth.ts";
import { JsonClient } from "./drop/http.ts";
import { parseOptions, USAGE } from "./drop/options.ts";
import { Progress } from "./drop/progress.ts";
import { collectRecords } from "./drop/records.ts";
import { RecordsBound, readWithinBound } from "./drop/records-bound.ts";
import { type DropResult, summaryLines, writeReports } from "./drop/report.ts";
import { Sampler } from "./drop/sampler.ts";
import { ServerWatch } from "./drop/server-watch.ts";
import { type SettleResult, settle, settledLine } from "./drop/settle.ts";
import {
	checkOperator,
	checkTarget,
	createBuyers,
	createProduct,
	readProduct,
} from "./drop/setup.ts";
import type { Tally } from "./drop/types.ts";
import { verify } from "./drop/verify.ts";

/** Exit codes (docs/drop-simulator.md). */
const EXIT_NOT_VERIFIED = 1;
const EXIT_NO_RUN = 2;
const EXIT_CUT = 3;

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	const parsed = parseOptions(argv);
	if (!parsed.ok) {
		if (parsed.message !== "") process.stderr.write(`${parsed.message}\n\n`);
		process.stderr.write(USAGE);
		// A script that asked for JSON still gets its last line, one that says no run happened.
		if (parsed.message !== "" && argv.includes("--json"))
			process.stdout.write(`${JSON.stringify({ verified: false, error: parsed.message })}\n`);
		return EXIT_NO_RUN;
	}
	const options = parsed.options;
	const startedAt = new Date().toISOString();
	const startedMs = performance.now();
	const deadlineMs = startedMs + options.maxSeconds * 1000;
	const expired = () => performance.now() > deadlineMs;
	const progress = new Progress();
	const random = seededRandom(options.seed);
	const runId = `drop-${randomBytes(4).toString("hex")}`;
	const sku = `DROP-${startedAt.slice(0, 19).replace(/[-:T]/g, "")}-${randomBytes(3).toString("hex")}`;
	// Buyers present addresses of their own to a local target (buyers.ts); the operator one more.
	const withIps = sendsClientIps(options.url);
	const operatorHeaders = withIps ? ipHeader(OPERATOR_IP) : {};
	const client = new JsonClient(options.url, options.concurrency, operatorHeaders);
	const sampleClient = new JsonClient(options.url, 1, operatorHeaders);
	const watchClient = new JsonClient(options.url, 1, operatorHeaders);
	const watch = new ServerWatch(watchClient, startedMs);
	const sampler = new Sampler();
	// Every phase after the SKU exists stops early when the time is up or the server is gone.
	const halted = () => expired() || watch.gone !== null;
	// Buyers act on their holds during the burst (safe mode: eventual allocations cannot be
	// checked out or cancelled); stopped in `finally`, so a cut run sends nothing more.
	const acts =
		options.mode === "safe" ? new Acts({ client, options, runId, random, halted }) : null;
	const stopReason: string[] = [];
	// Seconds each phase took, and the 429s answered in it, for the report.
	const phaseSeconds: Record<string, number> = {};
	const rateLimited: Record<string, number> = {};
	let phaseStartMs = startedMs;
	let rateLimitedBefore = 0;
	const phaseDone = (name: string) => {
		const now = performance.now();
		phaseSeconds[name] = Math.round((now - phaseStartMs) / 100) / 10;
		phaseStartMs = now;
		rateLimited[name] = client.rateLimited - rateLimitedBefore;
		rateLimitedBefore = client.rateLimited;
	};
	const abort = (message: string) => {
		progress.line(`drop: ${message}`);
		// A script reading the last line still gets an object, one that says no run happened.
		if (options.json)
			process.stdout.write(`${JSON.stringify({ verified: false, error: message })}\n`);
		return EXIT_NO_RUN;
	};
	/**
	 * The SKU exists but the run cannot be finished: say why, in which phase, and what it
	 * left behind, and stop now (no settling, no waiting for expiries, no reading from nobody).
	 * A fairness run names the run it was in and every SKU it made (`skus`); the JSON's `sku` is
	 * the last of them, the one the run was cut in.
	 */
	const cut = (
		phase: CutPhase,
		why: string,
		sofar: Record<string, unknown> = {},
		skus: readonly string[] = [sku],
		run = "",
	) => {
		const message = cutSentence({
			phase,
			why,
			url: options.url,
			skus,
			run,
			serverGone: watch.gone !== null,
		});
		progress.line(`drop: ${message}`);
		if (options.json)
			process.stdout.write(
				`${JSON.stringify({ verified: false, sku: skus.at(-1), phase, error: message, ...sofar })}\n`,
			);
		return EXIT_CUT;
	};

	try {
		// Preflight: nothing is created in the catalogue until all of it has passed (setup.ts).
		const target = await checkTarget(client, options.url);
		if (!target.ok) return abort(target.message);
		const operator = await checkOperator(client, options);
		if (!operator.ok) return abort(operator.message);
		const limits = operator.value;
		const buyers = await createBuyers(client, options, withIps, progress, expired);
		if (!buyers.ok) return abort(buyers.message);
		progress.line(
			`drop: ${buyers.value.length} buyer sessions ready (${options.sessions === "admin" ? "operator-issued" : "public"}); rate limits ${limits === null ? "off" : "on"}, at ${options.url}`,
		);
		if (options.bots !== null) {
			// Fairness (cli/drop/fairness.ts): the same drop with the room on and/or off, each
			// watched for a server that goes away once its SKU exists, as the plain drop is.
			const runs: FairnessRun[] = [];
			for (const room of options.room === "both" ? [true, false] : [options.room === "on"]) {
				const outcome = await runFairness(
					client,
					options,
					buyers.value,
					options.bots,
					room,
					withIps,
					random,
					progress,
					watch,
				);
				if (!outcome.ok) {
					const left = runs.map((r) => r.sku);
					if (outcome.created) left.push(outcome.sku);
					if (left.length === 0) return abort(outcome.why);
					const which = `fairness run with the waiting room ${room ? "on" : "off"}`;
					return cut(outcome.phase, outcome.why, { ...outcome.sofar, runs }, left, which);
				}
				runs.push(outcome.run);
			}
			const verified = runs.every((r) => r.verified);
			progress.line(`drop: ${verified ? "verified" : "NOT verified"}`);
			const lines = `${fairnessLines(runs).join("\n")}\n`;
			if (options.json) {
				process.stderr.write(lines);
				process.stdout.write(`${JSON.stringify({ verified, bots: options.bots, runs })}\n`);
			} else process.stdout.write(lines);
			return verified ? 0 : 1;
		}
		const product = await createProduct(client, options, sku);
		if (!product.ok) return abort(product.message);
		watch.start();
		progress.line(
			`drop: ${sku} created (${options.stock} units, hold ${options.holdSeconds} s, limit ${options.perUserLimit}/buyer, ${options.shards} shard(s), ${options.mode} mode, seed ${options.seed})`,
		);
		const reads = await readProduct(client, buyers.value, sku, progress, halted);
		if (watch.gone !== null) return cut("reads", watch.gone, { reads });
		progress.line(`drop: buyers read the product, answers ${JSON.stringify(reads)}`);
		phaseDone("setup");

		const burstOriginMs = performance.now();
		sampler.start(sampleClient, sku, burstOriginMs);
		const burst = await runBurst({
			client,
			options,
			sku,
			buyers: buyers.value,
			thinkMinMs: thinkMinMs(limits),
			random,
			runId,
			progress,
			expired: halted,
			...(acts === null ? {} : { onHold: (hold, buyer) => acts.take(hold, buyer) }),
		});
		acts?.burstEnded();
		const heldUnits = burst.holds.reduce((sum, h) => sum + h.quantity, 0);
		const burstSoFar = () => ({
			attempts: burst.attempts,
			holds: burst.holds.length,
			heldUnits,
			statusCounts: burst.statusCounts,
		});
		if (watch.gone !== null)
			return cut("burst", watch.gone, {
				...burstSoFar(),
				...(acts === null
					? {}
					: {
							checkoutStatus: acts.figures.checkoutStatus,
							cancelStatus: acts.figures.cancelStatus,
						}),
			});
		if (burst.attempts < options.attempts)
			stopReason.push(
				`time limit: the burst stopped after ${burst.attempts} of ${options.attempts} attempts`,
			);
		phaseDone("burst");
		progress.line(
			`drop: burst done, ${burst.attempts} attempts in ${burst.elapsedSec.toFixed(1)} s, ${burst.holds.length} holds (${heldUnits} units), answers ${JSON.stringify(burst.statusCounts)}`,
		);

		let settled: SettleResult | null = null;
		if (acts !== null) {
			const unseenDueMs = burst.unanswered > 0 ? burst.endedAtMs + options.holdSeconds * 1000 : 0;
			settled = await settle(acts, burst.holds, progress, halted, unseenDueMs);
			if (watch.gone !== null)
				return cut("settle", watch.gone, {
					...burstSoFar(),
					checkoutStatus: settled.checkoutStatus,
					cancelStatus: settled.cancelStatus,
				});
			progress.line(settledLine(settled, burst.holds));
		}
		if (expired())
			stopReason.push(
				`time limit: the run passed --max-seconds ${options.maxSeconds} before the holds settled`,
			);
		await sampler.stop();
		phaseDone("settle");
		rateLimited.sampler = sampleClient.rateLimited;

		// Reading the records takes a while on a big run: its bound grows with the holds to read
		// and counts from the last page answered (records-bound.ts); once it is passed, or the
		// server is gone, no new read goes out.
		const collected = await readWithinBound({
			bound: new RecordsBound(burst.holds.length, performance.now()),
			whenGone: watch.whenGone().then(() => watch.gone ?? ""),
			gone: () => watch.gone !== null,
			read: (stop, onPage) =>
				collectRecords({
					client,
					mode: options.mode,
					sku,
					adminToken: options.adminToken,
					holds: burst.holds,
					progress,
					stop,
					onPage,
				}),
		});
		if (!collected.ok) return cut("records", collected.message, burstSoFar());
		phaseDone("records");

		const tally: Tally = {
			mode: options.mode,
			stock: options.stock,
			attempts: burst.attempts,
			unanswered: burst.unanswered,
			statusCounts: burst.statusCounts,
			holds: burst.holds,
			duplicates: burst.duplicates,
			samples: sampler.samples,
		};
		const verdict = verify(collected.records, tally);
		const failures = [...stopReason, ...verdict.failures];
		const fates: Record<string, number> = {};
		for (const h of burst.holds) fates[h.fate] = (fates[h.fate] ?? 0) + 1;
		const result: DropResult = {
			sku,
			mode: options.mode,
			url: options.url,
			seed: options.seed,
			startedAt,
			stock: options.stock,
			buyers: options.buyers,
			sessions: options.sessions,
			pacing: options.pacing,
			rateLimits: limits !== null,
			productReads: reads,
			attempts: burst.attempts,
			holds: burst.holds.length,
			heldUnits,
			sold: verdict.sold,
			oversell: verdict.oversell,
			verified: failures.length === 0,
			failures,
			expectedFailures: verdict.expectedFailures,
			latencyMs: burst.latency.summary(),
			attemptsPerSec: Math.round(burst.attempts / burst.elapsedSec),
			burstSeconds: Math.round(burst.elapsedSec * 100) / 100,
			statusCounts: burst.statusCounts,
			codeCounts: burst.codeCounts,
			rejected: collected.records.stats.rejected,
			duplicatePairs: burst.duplicates.length,
			settle:
				settled === null
					? null
					: {
							checkoutStatus: settled.checkoutStatus,
							cancelStatus: settled.cancelStatus,
							checkoutLatencyMs: settled.checkoutLatency.summary(),
							checkoutReplays: settled.replays,
							checkoutReplayMismatches: settled.replayMismatches,
							lapsedCheckouts: settled.lapsedCheckouts,
							lapsedCauses: settled.lapsedCauses,
							lapsedTimings: settled.lapsedTimings,
							lapsedInQueue: settled.lapsedInQueue,
							lapsedInQueueDueLate: settled.lapsedInQueueDueLate,
							checkoutsDuringBurst: settled.checkoutsDuringBurst,
							freedUnitsDuringBurst: settled.freedUnitsDuringBurst,
							actQueuedMsMax: settled.queuedMsMax,
							actSlots: acts?.slots ?? 0,
							notActed: settled.notActed,
							fates,
						},
			events: collected.records.events.length,
			phaseSeconds,
			rateLimited,
			staleResends: client.staleResends + sampleClient.staleResends,
			durationSeconds: Math.round((performance.now() - startedMs) / 100) / 10,
			reportPath: null,
			jsonPath: null,
		};
		if (options.reportDir !== null) {
			const charts = {
				latencyBins: burst.latency.bins(),
				latencyPercentiles: burst.latency.percentiles(),
				samples: sampler.samples,
			};
			Object.assign(result, writeReports(options.reportDir, result, charts));
		}
		burst.latency.destroy();
		progress.line(`drop: ${result.verified ? "verified" : "NOT verified"}`);
		// With --json the summary goes to stderr, so stdout's last line is the object alone.
		const summary = `${summaryLines(result).join("\n")}\n`;
		if (options.json) {
			process.stderr.write(summary);
			process.stdout.write(`${JSON.stringify(result)}\n`);
		} else {
			process.stdout.write(summary);
		}
		return result.verified ? 0 : EXIT_NOT_VERIFIED;
	} finally {
		acts?.stop();
		watch.stop();
		await sampler.stop();
		client.close();
		sampleClient.close();
		watchClient.close();
	}
}

process.exitCode = await main();
