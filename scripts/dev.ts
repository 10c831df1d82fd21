// `npm run dev`: the product under `wrangler dev` (rebuilds the Worker on every source change, and
// `vite build --watch` beside it rebuilds the pages into the assets it serves), with the
// same state, variables, demo product and ready line as `npm start` (scripts/start.ts), which runs
// the same Worker on the lean runtime instead of wrangler's development proxy. Both keep their
// state in STATE_DIR with the same layout, so either sees what the other wrote. PORT is a loopback
// front (scripts/dev-front.ts) that judges each request's raw `Host` and `Origin` as `npm start`
// does, in front of wrangler dev on a private loopback port (decision 176). The front sends a
// secret drawn at each start with every request it forwards, and the Worker refuses any request
// without it, so wrangler dev's own port answers nothing a page sends it (decision 182).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createServer } from "node:net";
import { constants as osConstants } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/shared/config.ts";
import { sleep } from "../src/shared/sleep.ts";
import { buildUi, stopUiWatcher, watchUi } from "./build-ui.ts";
import { checkWorkerVars, ROOT, serverSettings, workerVars } from "./config.ts";
import { startDevFront } from "./dev-front.ts";
import { guardOrphans } from "./orphan-guard.ts";
import { readWranglerConfig } from "./runtime.ts";
import { adminTokenSource, readyLine, seedDemo, startGuide } from "./seed.ts";
import { lockStateDir } from "./state-lock.ts";

const { host: HOST, port: PORT, stateDir: STATE_DIR } = serverSettings();
const READY_TIMEOUT_MS = 60_000;
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

function wrangler(
	args: string[],
	options: { stdio: "inherit" | "pipe"; ownGroup?: boolean },
): ChildProcess {
	return spawn(process.execPath, [WRANGLER, ...args], {
		cwd: ROOT,
		detached: options.ownGroup === true,
		stdio: options.stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
		env: {
			// Miniflare fetches a real `request.cf` from workers.cloudflare.com on every start and
			// prints a stack trace when it cannot (an offline machine); local mode documents no
			// `request.cf` (docs/decisions/004-local-runtime.md), so its placeholder is kept quietly.
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			...process.env,
			WRANGLER_SEND_METRICS: "false",
			CI: process.env.CI ?? "",
		},
	});
}

function applyMigrations(): void {
	const result = spawnSync(
		process.execPath,
		[WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_DIR],
		{
			cwd: ROOT,
			stdio: "pipe",
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
		},
	);
	if (result.status !== 0) {
		process.stderr.write(result.stdout);
		process.stderr.write(result.stderr);
		throw new Error("applying the D1 migrations failed");
	}
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
		try {
			const res = await fetch(`${base}/healthz`);
			if (res.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`the server did not answer /healthz within ${READY_TIMEOUT_MS} ms`);
}

/** A port free on loopback now, for wrangler dev behind the front (the kernel's choice). */
function freeLoopbackPort(host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once("error", reject);
		probe.listen(0, host, () => {
			const address = probe.address();
			probe.close(() =>
				typeof address === "object" && address !== null
					? resolve(address.port)
					: reject(new Error("no free loopback port")),
			);
		});
	});
}

/** 32 random bytes: the front's secret for this start (src/shared/dev-front-secret.ts). */
const DEV_FRONT_SECRET_BYTES = 32;

/** The front on PORT, its refusal of a taken port said in one line as `npm start` says it. */
async function listenFront(upstreamPort: number, vars: Record<string, string>): Promise<Server> {
	// workerVars checked these already; a failure here stops the start rather than judge nothing.
	const checked = parseConfig(vars);
	if (!checked.ok) throw checked.error;
	const { localHosts, devFrontSecret } = checked.config;
	if (devFrontSecret === null) throw new Error("no DEV_FRONT_SECRET for the front to send");
	try {
		return await startDevFront({
			host: HOST,
			port: PORT,
			upstreamPort,
			localHosts,
			secret: devFrontSecret,
		});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
			throw new Error(
				`Address already in use: ${HOST}:${PORT} is taken by another server; stop it or set PORT.`,
			);
		throw error;
	}
}

/** The pages' watcher: stopped with the server, on failure too. */
let pages: ChildProcess | undefined;

async function main(): Promise<void> {
	// Checked before anything starts, as `npm start` does, and before STATE_DIR is made or locked,
	// so a refusal leaves nothing there; wrangler.jsonc's vars are wrangler's own.
	const wranglerVars = readWranglerConfig().vars;
	checkWorkerVars(wranglerVars);
	mkdirSync(STATE_DIR, { recursive: true });
	// One server per state, as `npm start` (scripts/state-lock.ts): held by this process, which
	// lives as long as wrangler dev below it, and dropped by the kernel however it ends.
	lockStateDir(STATE_DIR, "npm run dev");
	// Again with the state's own IP hash secret (made on a first start).
	const vars = workerVars(STATE_DIR, wranglerVars);
	// Drawn anew at each start, known only to this process, the front and the Worker (decision 182).
	vars.DEV_FRONT_SECRET = randomBytes(DEV_FRONT_SECRET_BYTES).toString("hex");
	// The pages are static assets of the same Worker: build them when missing or stale.
	buildUi();
	applyMigrations();
	// The front takes PORT before wrangler starts: a request before wrangler is up gets 503.
	const upstreamPort = await freeLoopbackPort(HOST);
	await listenFront(upstreamPort, vars);
	// Said for whoever debugs wrangler itself (and for the test that checks it refuses a caller
	// other than the front); a page cannot read this terminal.
	console.log(
		`wrangler dev listens behind the front on http://${HOST}:${upstreamPort} and answers only the front`,
	);
	const args = [
		"dev",
		"--ip",
		HOST,
		"--port",
		String(upstreamPort),
		"--persist-to",
		STATE_DIR,
		"--show-interactive-dev-session=false",
		"--live-reload=false",
		"--log-level",
		process.env.WRANGLER_LOG ?? "warn",
	];
	for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
	// In a process group of its own, so its runtimes can be ended with it however it ends
	// (endGroup below); a terminal's Ctrl-C reaches this process, which stops it.
	const child = wrangler(args, { stdio: "inherit", ownGroup: true });
	// wrangler dev rebuilds the Worker, not the pages: they are a Vite build it only serves.
	pages = watchUi();
	const watcher = pages;
	// Neither outlives this process, which holds STATE_DIR's lock: a `kill -9` of it stops
	// wrangler dev (which stops its workerd) and the pages' watcher (scripts/orphan-guard.ts).
	const guard = guardOrphans(
		[child.pid, watcher.pid].filter((pid) => pid !== undefined),
		"TERM",
	);
	const stop = () => {
		stopping = true;
		stopUiWatcher(watcher);
		child.kill("SIGTERM");
	};
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
	wranglerGroup = child.pid;
	child.on("exit", (code, signal) => {
		guard.stop();
		stopUiWatcher(watcher);
		// An exit nobody asked for (a crash, an out-of-memory kill) says so and is not a success
		// (docs/decisions/186-review-36s-findings.md §3).
		const status = startFailed ? 1 : stopping ? (code ?? 0) : unaskedExit(code, signal);
		// A wrangler that crashed or was killed leaves its workerd serving STATE_DIR; this process
		// holds STATE_DIR's lock until they are gone (docs/decisions/185-review-34s-findings.md §3).
		groupEnded = endGroup(child.pid);
		void groupEnded.then(() => process.exit(status));
	});
	const base = `http://${HOST}:${PORT}`;
	await waitForHealth(base, child);
	const seedProblem = await seedDemo(base, vars.ADMIN_TOKEN ?? "");
	// One write, so a reader that sees the ready line sees the lines under it too.
	const guide = startGuide(base, adminTokenSource(vars.ADMIN_TOKEN));
	console.log([readyLine(base, STATE_DIR, seedProblem), ...guide].join("\n"));
}

/** wrangler's process group once it is spawned, and the ending of that group once begun. */
let wranglerGroup: number | undefined;
let groupEnded: Promise<void> | undefined;
/** wrangler is being stopped: by a signal to this process, or because the start failed. */
let stopping = false;
let startFailed = false;

/**
 * wrangler dev ended without being asked: one line naming why, and the status a shell gives a
 * process that ended so (its code, or 128 + the signal's number), never 0.
 */
function unaskedExit(code: number | null, signal: NodeJS.Signals | null): number {
	const why = signal !== null ? `signal ${signal}` : `code ${code}`;
	console.error(`wrangler dev exited (${why}); npm run dev stopped`);
	if (signal !== null) return 128 + (osConstants.signals[signal] ?? 0);
	return code === null || code === 0 ? 1 : code;
}

/** How long wrangler's runtimes get to stop on SIGTERM before SIGKILL: an orphaned one ignored TERM. */
const GROUP_TERM_GRACE_MS = 2_000;
const GROUP_POLL_MS = 50;

/** True while any process of group `pgid` lives. */
function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Ends what is left of wrangler's process group: TERM, then KILL after the grace. */
async function endGroup(pgid: number | undefined): Promise<void> {
	if (pgid === undefined || !groupAlive(pgid)) return;
	try {
		process.kill(-pgid, "SIGTERM");
	} catch {
		return;
	}
	const deadline = Date.now() + GROUP_TERM_GRACE_MS;
	while (groupAlive(pgid) && Date.now() < deadline) await sleep(GROUP_POLL_MS);
	if (groupAlive(pgid)) {
		try {
			process.kill(-pgid, "SIGKILL");
		} catch {
			// Gone meanwhile.
		}
	}
}

main().catch(async (error) => {
	if (pages !== undefined) stopUiWatcher(pages);
	console.error(error instanceof Error ? error.message : error);
	// A start that failed after wrangler was spawned ends its group before letting go of
	// STATE_DIR's lock, as an exit of wrangler does (docs/decisions/186-review-36s-findings.md §3).
	startFailed = true;
	if (wranglerGroup !== undefined) await (groupEnded ?? endGroup(wranglerGroup));
	process.exit(1);
});
