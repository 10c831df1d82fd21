// `npm run bench [-- --quick] [--json] [--duration N] [--connections 64] [--dev-hello] [--only STAGES]
// [--half-rate N] | [-- --targets [--repeat N]]`: the
// runtime's ceilings (bare workerd hello, a JSON POST on the lean runtime), our worker on the
// lean runtime (docs/measurements/local-runtimes.md) and as `npm start` runs it, next to three
// peers on real engines; one run, same load generator. Every row also reads its server's CPU per
// request, and its ratios divide by hellos read right before and after it (cli/bench/baseline.ts);
// the run ends with the baselines' drift and the hot path's targets (cli/bench/targets.ts).
// Writes docs/measurements/bench.md and reports/bench-<time>.json; with --json the last stdout
// line is {"rows":[…]}. With --targets, only the rows the Targets table reads, N times (default 3)
// with fresh servers each time, and each target decided on the median of the repetitions
// (cli/bench/settle.ts, docs/decisions/064-settled-targets.md); such a run writes only its report.
// Everything started is stopped, also on error and Ctrl-C (test/support/proc.ts onCleanup).

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseBenchArgs, USAGE } from "./bench/args.ts";
import { QUIET_CPU_PERCENT, type Reader } from "./bench/baseline.ts";
import { measureCeilings } from "./bench/ceilings.ts";
import {
	type BaselineSeries,
	type BenchRow,
	driftTable,
	jsonLine,
	markdownTable,
} from "./bench/format.ts";
import {
	FRESH_SERVER_WARMUP_SEC,
	LEAN_ROWS,
	measureHello,
	measureOurs,
	NPM_START_ROWS,
} from "./bench/ours.ts";
import { measurePeers } from "./bench/peers.ts";
import { settledTable, settleTargets } from "./bench/settle.ts";
import { DISTURBED_OTHERS_PERCENT, evaluateTargets, targetsTable } from "./bench/targets.ts";
import { startBenchWorker, startServerScript } from "./bench/worker.ts";

const REPO_ROOT = resolve(import.meta.dirname, "..");
/** The latest run's table, committed with the change it measured (git log keeps the earlier ones). */
const BENCH_MARKDOWN = "docs/measurements/bench.md";

const parsed = parseBenchArgs(process.argv.slice(2));
if (!parsed.ok) {
	// Nothing has started yet: one line naming the problem, the usage, and out.
	if ("help" in parsed) process.stdout.write(USAGE);
	else process.stderr.write(`bench: ${parsed.problem}\n\n${USAGE}`);
	process.exit("help" in parsed ? 0 : 2);
}
const args = parsed.args;
const { stages, repeat, shape } = args;
const log = (line: string) => console.error(line);

function machine(): string {
	const cpu = cpus();
	return `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** One of our servers, freshly started, its rows measured (bracketed by `bare`), stopped. */
async function measureServer(
	stage: "lean" | "start",
	bare: Reader | undefined,
): Promise<{ rows: BenchRow[]; series: BaselineSeries }> {
	log(
		stage === "lean"
			? "[bench] bundling and starting the worker (Miniflare, direct socket)"
			: "[bench] starting npm start (scripts/start.ts)",
	);
	const server = stage === "lean" ? await startBenchWorker() : await startServerScript("start");
	try {
		return await measureOurs(
			server,
			shape,
			log,
			stage === "lean" ? LEAN_ROWS : NPM_START_ROWS,
			bare,
		);
	} finally {
		await server.stop();
	}
}

async function main(): Promise<void> {
	const startedAt = new Date();
	const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
	if (args.targets) return await settleTargetsRun(startedAt, command);
	const rows: BenchRow[] = [];
	const series: BaselineSeries[] = [];
	// Bare workerd stays up from its ceiling row to the end, read next to every later row.
	const ceilings = stages.has("ceilings") ? await measureCeilings(shape, log, log) : undefined;
	try {
		if (ceilings) rows.push(...ceilings.rows);
		const bare = ceilings?.bare;
		for (const stage of ["lean", "start"] as const) {
			if (!stages.has(stage)) continue;
			const measured = await measureServer(stage, bare);
			rows.push(...measured.rows);
			series.push(measured.series);
		}
		if (args.devHello) {
			log("[bench] starting npm run dev (scripts/dev.ts, wrangler dev)");
			const dev = await startServerScript("dev");
			try {
				rows.push(await measureHello(dev.url, shape, log, "dev-hello", () => dev.pids()));
			} finally {
				await dev.stop();
			}
		}
		if (stages.has("peers")) rows.push(...(await measurePeers(shape, log, log, bare)));
	} finally {
		await ceilings?.stop();
	}
	if (ceilings) series.unshift(ceilings.series);

	for (const row of rows) {
		const serverErrors = Object.entries(row.statusCounts).filter(
			([status]) => Number(status) >= 500,
		);
		// A 5xx is always a bug (docs/api.md); the row's numbers still stand, but say so loudly.
		if (serverErrors.length > 0)
			log(
				`[bench] WARNING ${row.name} got server errors: ${JSON.stringify(Object.fromEntries(serverErrors))}`,
			);
	}
	const table = markdownTable(rows);
	const drift = driftTable(series);
	const targets = targetsTable(rows);
	const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
	const markdown = [
		"# Benchmarks",
		"",
		`Generated by \`${command}\` on ${startedAt.toISOString()} (${seconds} s in total).`,
		"",
		`Machine: ${machine()}.`,
		`Load: autocannon closed loop, ${shape.connections} keep-alive connections, ${shape.warmupSec} s warm-up then ${shape.durationSec} s per row; the first row against each freshly started server (every ceiling and peer, our hello rows) warms up at least ${FRESH_SERVER_WARMUP_SEC} s, since our worker costs about 10 % more per request in its first seconds (checkout: a fixed number of pre-created holds, each paid once).`,
		"Ceilings: `workerd-hello` is a hello-world on bare workerd (hand-written capnp config), `post-json-hello` a worker that parses the reserve's JSON body and answers 201 on the lean runtime, no object and no write.",
		"Our worker runs with fresh state, RATE_LIMITS=off, simulated payments with 0 ms latency: the unprefixed rows on the lean runtime started by the bench (the Miniflare API with a direct socket, scripts/runtime.ts, docs/measurements/local-runtimes.md), the `start-` rows against `npm start` itself (scripts/start.ts in its own process, the same runtime), `dev-hello` (with --dev-hello) against `npm run dev` (wrangler dev). Peers run in their own Node processes on Redis (AOF, appendfsync always) and PostgreSQL (fsync, synchronous_commit on).",
		"`reserve-half-peak` (and `start-reserve-half-peak`) sends the reserve row's load paced at half the req/s that row reached in this run (an open loop sending one request every 1/rate s over the same 64 connections, latency counted from each request's scheduled send time; cli/lib/load.ts), on the same SKU: the latency of a busy hot SKU that is not saturated.",
		"`× hello` divides by the same server's hello (`start-` rows by `npm start`'s, all others by the lean runtime's), `× workerd-hello` by the bare-workerd ceiling, both as read around the row (Baselines, below). `decisions/commit` is the SKU's `decisions` ÷ `commits` over the run, from its stats (– where the stats do not report them or the run committed nothing).",
		`Oversell comes from each system's own records (our SKU stats, the peers' /admin/stats). The load generator shares the machine's CPUs with the servers, and other engineers' work may share them too: \`busy CPU before\` shows how busy the CPUs were just before each row (each row waits up to ${shape.quietWaitSec} s for them to fall to ${QUIET_CPU_PERCENT}%), \`others' CPU during\` the share of all CPUs that other work took during the row (the machine's busy time less the server's and the load generator's).`,
		`CPU: \`CPU µs/req\` is the server's whole process tree's CPU time (/proc) over the row's run divided by its responses: bare workerd; the lean runtime's workerd; \`npm start\`'s Node process and its workerd; a peer's Node process with redis-server, or with the PostgreSQL postmaster and its backends. The load generator's own CPU is not in it. \`× … by CPU\` is the baseline's CPU per request over the row's (0.5× = twice the baseline's cost), the figure that moves least on a shared machine.`,
		`Baselines: every row after a server's hello is bracketed by ${shape.readingSec} s readings of that server's hello and of bare workerd's (kept running from its ceiling row to the end), taken right before and right after it; \`× hello\` and \`× workerd-hello\` (by req/s and by CPU) divide by the mean of the two readings around the row, so a machine that drifts during the run moves the baseline with it; each reading first waits (at most 2 s) for its server to be idle and the machine to be at most ${QUIET_CPU_PERCENT}% busy, and records the share other work took during it. The hello rows and the peers divide by their hello row where they have no readings of their own. How much each baseline moved is in "Baseline drift" below; docs/decisions/057-bench-brackets.md.`,
		"",
		table,
		"",
		"## Baseline drift",
		"",
		"Every reading of each baseline in this run (the hello rows included): the range and its spread, (max − min) ÷ mean, and the range of what other work took of the machine during them (the drift is mostly that: docs/decisions/064-settled-targets.md). A ratio only sees the drift between its row's two neighbouring readings.",
		"",
		drift,
		"",
		"## Targets",
		"",
		`The hot-path targets, each evaluated from this run's rows by req/s and by CPU per request ("met by CPU only": the row's cost per request meets it but the machine's req/s did not show it). "(disturbed)": other work took more than ${DISTURBED_OTHERS_PERCENT}% of the machine during the row or a baseline reading its ratio divides by; read that verdict by CPU, or run again. One run does not settle a target near its threshold: \`npm run bench -- --targets --repeat 3\` decides each on the median of repetitions (docs/decisions/064-settled-targets.md).`,
		"",
		targets,
		"",
	].join("\n");
	// A partial run, or one whose half-peak rows are not at half the peak, writes only its report.
	const whole = args.only === undefined && args.halfRate === undefined;
	if (whole) writeFileSync(join(REPO_ROOT, BENCH_MARKDOWN), markdown);
	const reportPath = writeReport(startedAt, { command, rows, baselines: series });
	console.log([table, "", drift, "", targets].join("\n"));
	log(`[bench] wrote ${whole ? `${BENCH_MARKDOWN} and ` : ""}${reportPath}`);
	if (args.json) console.log(jsonLine(rows));
}

/**
 * `--targets [--repeat N]`: bare workerd's row once (it stays up for every reading), then N
 * repetitions of both our servers' rows, each server fresh each time and the two in alternating
 * order, so neither always runs first; then every target over the repetitions.
 */
async function settleTargetsRun(startedAt: Date, command: string): Promise<void> {
	const ceilings = await measureCeilings(shape, log, log, { postJson: false });
	const repetitions: { rows: BenchRow[]; series: BaselineSeries[] }[] = [];
	try {
		for (let i = 0; i < repeat; i++) {
			const rows = [...ceilings.rows];
			const series: BaselineSeries[] = [];
			for (const stage of i % 2 === 0
				? (["lean", "start"] as const)
				: (["start", "lean"] as const)) {
				const measured = await measureServer(stage, ceilings.bare);
				rows.push(...measured.rows);
				series.push({ ...measured.series, baseline: `${measured.series.baseline} (${i + 1})` });
			}
			log(`[bench] repetition ${i + 1} of ${repeat}:\n${targetsTable(rows)}`);
			repetitions.push({ rows, series });
		}
	} finally {
		await ceilings.stop();
	}
	const drift = driftTable([ceilings.series, ...repetitions.flatMap((r) => r.series)]);
	const settled = settledTable(settleTargets(repetitions.map((r) => evaluateTargets(r.rows))));
	const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
	const reportPath = writeReport(startedAt, {
		command,
		seconds,
		repetitions: repetitions.map((r) => ({ rows: r.rows, baselines: r.series })),
		bareReadings: ceilings.series,
	});
	console.log(
		[
			`${command}: ${repeat} repetitions in ${seconds} s on ${machine()}.`,
			"",
			drift,
			"",
			settled,
		].join("\n"),
	);
	log(`[bench] wrote ${reportPath}`);
}

/** reports/bench-<time>.json with `body` and the run's shape; returns its path. */
function writeReport(startedAt: Date, body: Record<string, unknown>): string {
	mkdirSync(join(REPO_ROOT, "reports"), { recursive: true });
	const reportPath = join(
		REPO_ROOT,
		"reports",
		`bench-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`,
	);
	writeFileSync(
		reportPath,
		`${JSON.stringify({ startedAt: startedAt.toISOString(), machine: machine(), shape, ...body }, null, 2)}\n`,
	);
	return reportPath;
}

try {
	await main();
} catch (error) {
	console.error(
		`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
	);
	process.exitCode = 1;
}
