// A soak: `npm start` (scripts/start.ts, its own process group, fresh state
// directory) under the steady mixed traffic of traffic.ts, sampling the
// process tree's memory and the state directory's size as it goes. Used by
// `npm run soak` (cli/soak.ts) and by the short soak of the test suite
// (test/node/soak.test.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readWranglerConfig, startMiniflareWorker } from "../../scripts/runtime.ts";
import { IDEMPOTENCY_PRUNE_SLACK_MS } from "../../src/domain/bounds.ts";
import { MAX_SESSIONS_PER_REQUEST } from "../../src/shared/sessions.ts";
import { freePort, onCleanup, startDaemon, waitUntil } from "../../test/support/proc.ts";
import { seededRandom } from "../../test/support/random.ts";
import { JsonClient } from "../drop/http.ts";
import { type DiskUsage, descendantsRssBytes, diskUsage, processGroupRssBytes } from "./measure.ts";
import { countRecords, type StateRecords } from "./records.ts";
import {
	type Buyer,
	LIVE_PRODUCT,
	MAX_FAILURE_NOTES,
	MAX_IN_FLIGHT,
	type Mix,
	Traffic,
	type TrafficCounts,
} from "./traffic.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** The line scripts/start.ts prints once migrations ran and the demo product exists. */
const READY_LINE = "Revenue Guard is running at";
const START_TIMEOUT_MS = 120_000;
/** The crowd: buyer sessions made before the clock starts, each sending a request every few seconds. */
export const BUYERS = 500;
/**
 * The crowd's sessions are renewed this often, well inside SESSION_TTL_SECONDS
 * (1,200 s by default), so a long soak never runs on expired sessions.
 */
export const SESSION_RENEW_MS = 15 * 60_000;
/** Bounds on a run, whatever is asked. */
export const MAX_MINUTES = 120;
export const MAX_RATE = 2_000;
/** POST /api/admin/sessions makes at most this many at once (shared/sessions.ts). */
export const MAX_BUYERS = MAX_SESSIONS_PER_REQUEST;

export interface SoakServer {
	url: string;
	/** The process group of scripts/start.ts: everything the server runs. */
	pgid: number;
	stateDir: string;
	adminToken: string;
	debugToken: string;
	output(): string;
	/** Stops the whole process group and removes the state directory. */
	stop(): Promise<void>;
}

/** `npm start` on a free port with a fresh state directory; `env` goes over local.vars. */
export async function startSoakServer(env: Record<string, string> = {}): Promise<SoakServer> {
	const adminToken = `soak-admin-${process.pid}`;
	const debugToken = `soak-debug-${process.pid}`;
	const stateDir = mkdtempSync(join(tmpdir(), "revenue-guard-soak-"));
	const forgetDir = onCleanup(() => rmSync(stateDir, { recursive: true, force: true }));
	const port = await freePort();
	const daemon = startDaemon(process.execPath, [join(REPO_ROOT, "scripts", "start.ts")], {
		cwd: REPO_ROOT,
		env: {
			...process.env,
			ADMIN_TOKEN: adminToken,
			DEBUG_TOKEN: debugToken,
			// One machine sends everything: per-IP and per-session limits would refuse the load.
			RATE_LIMITS: "off",
			PAYMENT_PROVIDER: "simulated",
			PAYMENT_SIM_LATENCY_MS: "0",
			...env,
			PORT: String(port),
			STATE_DIR: stateDir,
		},
	});
	const stop = async () => {
		await daemon.stop();
		rmSync(stateDir, { recursive: true, force: true });
		forgetDir();
	};
	try {
		const exited = () => daemon.child.exitCode !== null || daemon.child.signalCode !== null;
		await waitUntil(
			"npm start's ready line",
			async () => exited() || daemon.output().includes(READY_LINE),
			START_TIMEOUT_MS,
		);
		if (exited()) throw new Error("scripts/start.ts exited before it was ready");
	} catch (error) {
		await stop();
		throw new Error(`${String(error)}\n${daemon.output()}`);
	}
	const pgid = daemon.child.pid;
	if (pgid === undefined) throw new Error("scripts/start.ts has no pid");
	return {
		url: `http://127.0.0.1:${port}`,
		pgid,
		stateDir,
		adminToken,
		debugToken,
		output: () => daemon.output(),
		stop,
	};
}

export interface SoakOptions {
	/** Shares of each kind of request (default: traffic.ts MIX). */
	mix?: Mix;
	minutes: number;
	ratePerSecond: number;
	/** Buyer sessions (default BUYERS). */
	buyers?: number;
	sampleSeconds: number;
	seed: number;
}

export interface SoakSample {
	/** Since the traffic started. */
	tMs: number;
	requests: number;
	attempts: number;
	/** The server's whole process tree; null where /proc is not available. */
	rssBytes: number | null;
	/** Its workerd alone (the runtime serving requests; the rest is Node supervising it). */
	workerdRssBytes: number | null;
	disk: DiskUsage;
}

export interface SoakResult {
	options: SoakOptions;
	samples: SoakSample[];
	counts: TrafficCounts;
	/** What the state holds at the end (null for the baseline, which keeps none). */
	records: StateRecords | null;
}

/**
 * A record counts as overdue when its window ended longer ago than this: the
 * alarm runs at most IDEMPOTENCY_PRUNE_SLACK_MS after a record ends, plus the
 * time an alarm takes to come round on a busy machine.
 */
export const OVERDUE_GRACE_MS = IDEMPOTENCY_PRUNE_SLACK_MS + 5_000;

/** Sets up two SKUs and the buyers, then runs the traffic for `minutes`, sampling every `sampleSeconds`. */
export async function runSoak(
	server: SoakServer,
	options: SoakOptions,
	onSample: (sample: SoakSample) => void = () => {},
): Promise<SoakResult> {
	const client = new JsonClient(server.url, MAX_IN_FLIGHT);
	try {
		const suffix = Date.now().toString(36);
		const soldOutSku = `SOAK-OUT-${suffix}`;
		const liveSku = `SOAK-LIVE-${suffix}`;
		await createProduct(client, server, soldOutSku, {
			totalStock: 0,
			holdSeconds: 60,
			perUserLimit: 2,
		});
		await createProduct(client, server, liveSku, LIVE_PRODUCT);
		const crowd = options.buyers ?? BUYERS;
		const buyers = await createBuyers(client, server, crowd);
		const traffic = new Traffic({
			...(options.mix === undefined ? {} : { mix: options.mix }),
			client,
			adminToken: server.adminToken,
			soldOutSku,
			liveSku,
			buyers,
			random: seededRandom(options.seed),
		});

		const samples: SoakSample[] = [];
		const startMs = performance.now();
		const untilMs = startMs + options.minutes * 60_000;
		const sample = () => {
			const s: SoakSample = {
				tMs: Math.round(performance.now() - startMs),
				requests: traffic.counts.requests,
				attempts: traffic.counts.attempts,
				disk: diskUsage(server.stateDir),
				...rssOf(server.pgid),
			};
			samples.push(s);
			onSample(s);
		};
		sample();
		const sampler = setInterval(sample, options.sampleSeconds * 1000);
		const renewer = setInterval(() => {
			createBuyers(client, server, crowd).then(
				(fresh) => buyers.splice(0, buyers.length, ...fresh),
				(error: unknown) =>
					process.stderr.write(`renewing the sessions failed: ${String(error)}\n`),
			);
		}, SESSION_RENEW_MS);
		try {
			await traffic.run(options.ratePerSecond, untilMs);
		} finally {
			clearInterval(sampler);
			clearInterval(renewer);
		}
		sample();
		const records = countRecords(server.stateDir, Date.now(), OVERDUE_GRACE_MS);
		return { options, samples, counts: traffic.counts, records };
	} finally {
		client.close();
	}
}

function rssOf(pgid: number): Pick<SoakSample, "rssBytes" | "workerdRssBytes"> {
	const rss = processGroupRssBytes(pgid);
	return { rssBytes: rss?.totalBytes ?? null, workerdRssBytes: rss?.workerdBytes ?? null };
}

/** The bare worker of the baseline: one line of JS, no bindings, on the same runtime as `npm start`. */
const HELLO_WORKER = `export default { fetch() { return new Response("hello"); } };`;

/**
 * The baseline: the same runtime (scripts/runtime.ts: Miniflare, a direct
 * socket into workerd) running a worker that only says hello, under GET
 * requests at the same steady rate, sampled the same way. What it grows by is
 * the runtime's own, not the product's.
 */
export async function runHelloBaseline(
	options: SoakOptions,
	onSample: (sample: SoakSample) => void = () => {},
): Promise<SoakResult> {
	const { compatibility_date } = readWranglerConfig();
	const worker = await startMiniflareWorker({
		config: {
			name: "soak-hello",
			compatibilityDate: compatibility_date,
			manifest: {
				mainModule: "index.js",
				modules: { "index.js": { type: "esm", contents: HELLO_WORKER } },
			},
		},
		persistRoot: undefined,
		host: "127.0.0.1",
		port: 0,
	});
	const forget = onCleanup(() => void worker.dispose());
	const client = new JsonClient(worker.directUrl, MAX_IN_FLIGHT);
	const counts: TrafficCounts = {
		statuses: {},
		requests: 0,
		attempts: 0,
		skipped: 0,
		failureNotes: [],
		staleResends: 0,
	};
	const samples: SoakSample[] = [];
	const empty: DiskUsage = {
		totalBytes: 0,
		journalBytes: 0,
		data: { do: 0, d1: 0, kv: 0, other: 0 },
		dataBytes: 0,
		files: 0,
	};
	try {
		const startMs = performance.now();
		const sample = () => {
			const s: SoakSample = {
				tMs: Math.round(performance.now() - startMs),
				requests: counts.requests,
				attempts: 0,
				// workerd is this process's child; Node itself is not the runtime measured.
				rssBytes: descendantsRssBytes(process.pid),
				workerdRssBytes: descendantsRssBytes(process.pid),
				disk: empty,
			};
			samples.push(s);
			onSample(s);
		};
		sample();
		const sampler = setInterval(sample, options.sampleSeconds * 1000);
		let inFlight = 0;
		const pending = new Set<Promise<void>>();
		const intervalMs = 1000 / options.ratePerSecond;
		const untilMs = startMs + options.minutes * 60_000;
		try {
			for (let tick = 0; startMs + tick * intervalMs < untilMs; tick++) {
				const waitMs = startMs + tick * intervalMs - performance.now();
				if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
				if (inFlight >= MAX_IN_FLIGHT) {
					counts.skipped += 1;
					continue;
				}
				inFlight += 1;
				const p: Promise<void> = client
					.request("GET", "/")
					.then((answer) => {
						const byStatus = counts.statuses.hello ?? {};
						byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
						counts.statuses.hello = byStatus;
						counts.requests += 1;
						if (answer.status === 0 && counts.failureNotes.length < MAX_FAILURE_NOTES) {
							counts.failureNotes.push(`hello 0 ${answer.problem ?? ""}`.trim());
						}
					})
					.finally(() => {
						inFlight -= 1;
						pending.delete(p);
					});
				pending.add(p);
			}
			await Promise.all(pending);
			counts.staleResends = client.staleResends;
		} finally {
			clearInterval(sampler);
		}
		sample();
		return { options, samples, counts, records: null };
	} finally {
		client.close();
		await worker.dispose();
		forget();
	}
}

async function createProduct(
	client: JsonClient,
	server: SoakServer,
	sku: string,
	fields: { totalStock: number; holdSeconds: number; perUserLimit: number },
): Promise<void> {
	const answer = await client.request("POST", "/api/admin/products", {
		token: server.adminToken,
		body: { sku, name: `Soak ${sku}`, priceCents: 1_000, currency: "USD", ...fields },
	});
	if (answer.status !== 201) {
		throw new Error(`creating ${sku} answered ${answer.status} ${JSON.stringify(answer.error)}`);
	}
}

async function createBuyers(
	client: JsonClient,
	server: SoakServer,
	count: number,
): Promise<Buyer[]> {
	const answer = await client.request<{ sessions: { token: string }[] }>(
		"POST",
		"/api/admin/sessions",
		{ token: server.adminToken, body: { count } },
	);
	if (answer.status !== 201 || answer.data === null) {
		throw new Error(`load-test sessions answered ${answer.status} ${JSON.stringify(answer.error)}`);
	}
	return answer.data.sessions.map((s) => ({ token: s.token }));
}
