// Helpers of cli/ratelimit-probe.ts: autocannon runs, interleaved rounds with
// medians, Markdown tables, and local servers in their own process groups.

import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep, waitUntil } from "./lib/proc.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const START_TIMEOUT_MS = 90_000;
/** Distinct keys the probe spreads its checks over (sessions or IPs). */
const KEYS = 1000;
/** Seconds of load before each measured run, so the JIT and the objects are warm. */
const WARMUP_SECONDS = 1;
/** Pause before each measured run. */
const SETTLE_MS = 3000;
/** Bounds on the knobs, whatever the command line asks. */
const MAX_SECONDS = 60;
const MAX_CONNECTIONS = 256;
const MAX_ROUNDS = 10;

const autocannon = createRequire(import.meta.url)("autocannon") as (
	opts: Record<string, unknown>,
) => Promise<CannonResult>;

interface CannonResult {
	requests: { average: number };
	latency: { p50: number; p99: number };
	non2xx: number;
	errors: number;
	statusCodeStats: Record<string, { count: number }>;
}

export interface Measure {
	reqPerSec: number;
	p50Ms: number;
	p99Ms: number;
	statuses: string;
}

function arg(name: string, fallback: number, max: number): number {
	const i = process.argv.indexOf(`--${name}`);
	const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
	return Number.isFinite(n) && n > 0 ? Math.min(n, max) : fallback;
}

const SECONDS = arg("seconds", 5, MAX_SECONDS);
const CONNECTIONS = arg("connections", 16, MAX_CONNECTIONS);
export const ROUNDS = arg("rounds", 3, MAX_ROUNDS);
const partIndex = process.argv.indexOf("--part");
export const PART = partIndex >= 0 ? (process.argv[partIndex + 1] ?? "all") : "all";

/** One closed-loop autocannon run; `setup` rewrites each request (path, headers, body). */
export async function load(
	url: string,
	setup: (req: {
		path?: string;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
	}) => object,
	seconds = SECONDS,
): Promise<Measure> {
	const result = await autocannon({
		url,
		connections: CONNECTIONS,
		duration: seconds,
		requests: [{ setupRequest: setup }],
	});
	const statuses = Object.entries(result.statusCodeStats)
		.map(([code, s]) => `${code}×${s.count}`)
		.join(" ");
	return {
		reqPerSec: result.requests.average,
		p50Ms: result.latency.p50,
		p99Ms: result.latency.p99,
		statuses,
	};
}

/** Runs every scenario `ROUNDS` times, interleaved and rotated (so drift hits all alike), and keeps the median run by req/s. */
export async function measureAll(
	scenarios: Array<{ name: string; run: (seconds: number) => Promise<Measure> }>,
) {
	const runs = new Map<string, Measure[]>();
	for (const s of scenarios) await s.run(WARMUP_SECONDS);
	for (let round = 0; round < ROUNDS; round++) {
		// Each round starts one scenario later, and each run waits for the previous one's
		// background work (outbox flushes to D1) to settle: no scenario always follows the same one.
		const order = scenarios.map(
			(_, i) => scenarios[(i + round) % scenarios.length] as (typeof scenarios)[number],
		);
		for (const s of order) {
			await sleep(SETTLE_MS);
			const m = await s.run(SECONDS);
			runs.set(s.name, [...(runs.get(s.name) ?? []), m]);
			process.stderr.write(
				`  round ${round + 1} ${s.name}: ${m.reqPerSec.toFixed(0)} req/s p99 ${m.p99Ms} ms\n`,
			);
		}
	}
	return scenarios.map((s) => {
		const sorted = [...(runs.get(s.name) ?? [])].sort((a, b) => a.reqPerSec - b.reqPerSec);
		return {
			name: s.name,
			median: sorted[Math.floor(sorted.length / 2)] as Measure,
			minReqPerSec: sorted[0]?.reqPerSec ?? Number.NaN,
			maxReqPerSec: sorted.at(-1)?.reqPerSec ?? Number.NaN,
		};
	});
}

export function table(
	title: string,
	rows: Array<{ name: string; median: Measure; minReqPerSec: number; maxReqPerSec: number }>,
	baseline: string,
): string {
	const base = rows.find((r) => r.name === baseline)?.median.reqPerSec ?? Number.NaN;
	const lines = [
		`### ${title}`,
		"",
		`${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} runs each (interleaved, rotated); median run shown, with the spread of req/s over the runs.`,
		"",
		"| scenario | req/s | runs' range | × baseline | p50 ms | p99 ms | statuses |",
		"|---|---:|---:|---:|---:|---:|---|",
		...rows.map(
			(r) =>
				`| ${r.name} | ${r.median.reqPerSec.toFixed(0)} | ${r.minReqPerSec.toFixed(0)}–${r.maxReqPerSec.toFixed(0)} | ${(r.median.reqPerSec / base).toFixed(2)} | ${r.median.p50Ms} | ${r.median.p99Ms} | ${r.median.statuses} |`,
		),
	];
	return lines.join("\n");
}

export interface Server {
	url: string;
	stop(): Promise<void>;
}

/** Starts a process in its own group and waits until `readyPath` answers 200. */
export async function startProcess(
	args: string[],
	env: Record<string, string>,
	port: number,
	readyPath: string,
): Promise<Server> {
	let log = "";
	const child: ChildProcess = spawn(process.execPath, args, {
		cwd: ROOT,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...env },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	child.stdout?.on("data", (d) => {
		log = (log + d).slice(-4000);
	});
	child.stderr?.on("data", (d) => {
		log = (log + d).slice(-4000);
	});
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitUntil(
			`${url}${readyPath}`,
			async () => {
				if (child.exitCode !== null) throw new Error(`exited early:\n${log}`);
				return (await fetch(`${url}${readyPath}`)).ok;
			},
			START_TIMEOUT_MS,
		);
	} catch (error) {
		stopGroup(child);
		throw error;
	}
	return {
		url,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise<void>((r) => child.once("exit", () => r()));
			stopGroup(child);
			await Promise.race([exited, sleep(10_000)]);
		},
	};
}

function stopGroup(child: ChildProcess): void {
	try {
		if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
	} catch {
		child.kill("SIGTERM");
	}
}

export function randomKey(): string {
	return `k${Math.floor(Math.random() * KEYS)}`;
}
