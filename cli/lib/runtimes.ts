// The two runtimes the bench's rows run on, each started on a free loopback port and stopped
// cleanly: the Miniflare API with a direct socket (the lean runtime `npm start` uses) and bare
// workerd with a hand-written capnp config (the ceiling). Why these, measured against wrangler
// dev and wrangler's test harness: docs/measurements/local-runtimes.md.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type MiniflareWorkerConfig, startMiniflareWorker } from "../../scripts/runtime.ts";
import { freePort, onCleanup, startDaemon, waitUntil } from "../../test/support/proc.ts";
import { childPids } from "./workerd-cpu.ts";

export type RunningWorker = {
	/** Base URL of the worker's HTTP socket. */
	url: string;
	/** The processes whose trees serve it (the bench counts their CPU: cli/lib/workerd-cpu.ts). */
	pids(): number[];
	stop(): Promise<void>;
};

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 60_000;

/** The one workerd of the project: the package `npm start` and the workers tests run too. */
export function workerdBinary(): string {
	const path = join(REPO_ROOT, "node_modules/workerd/bin/workerd");
	if (!existsSync(path)) throw new Error(`no workerd binary at ${path}: run npm install`);
	return path;
}

/** Resolves once GET `url` answers with any HTTP status. */
async function waitForHttp(what: string, url: string): Promise<void> {
	await waitUntil(
		what,
		async () => {
			const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
			await response.arrayBuffer();
			return true;
		},
		START_TIMEOUT_MS,
	);
}

// ---- Miniflare API ---------------------------------------------------------------------------

export type MiniflareWorker = RunningWorker & {
	/**
	 * A socket straight into the user worker, skipping Miniflare's entry worker: no `request.cf`
	 * and no `CF-Connecting-IP` unless the client sends one (see docs/measurements/local-runtimes.md).
	 */
	directUrl: string;
};

/**
 * The Miniflare API with a direct socket on a free loopback port (scripts/runtime.ts, the
 * runtime `npm start` uses). workerd serves both sockets itself: Node only supervises.
 */
export async function startMiniflare(options: {
	config: MiniflareWorkerConfig;
	persistDir: string;
}): Promise<MiniflareWorker> {
	// Miniflare runs workerd as a child of this process: the one that was not there before.
	const before = new Set(childPids());
	const runtime = await startMiniflareWorker({
		config: options.config,
		persistRoot: options.persistDir,
		host: "127.0.0.1",
		// The kernel picks the port when workerd binds it: no window for another process to take it.
		port: 0,
	});
	const unregister = onCleanup(() => void runtime.dispose());
	const own = childPids().filter((pid) => !before.has(pid));
	return {
		url: runtime.entryUrl,
		directUrl: runtime.directUrl,
		pids: () => own,
		stop: async () => {
			await runtime.dispose();
			unregister();
		},
	};
}

// ---- bare workerd ----------------------------------------------------------------------------

/**
 * `workerd serve config.capnp` with the socket named `socketName` bound to a free port. The
 * config is the caller's; durable storage is whatever its `durableObjectStorage` says.
 */
export async function startWorkerd(options: {
	configPath: string;
	socketName: string;
	cwd: string;
}): Promise<RunningWorker> {
	const port = await freePort();
	const daemon = startDaemon(
		workerdBinary(),
		["serve", options.configPath, "--socket-addr", `${options.socketName}=127.0.0.1:${port}`],
		{ cwd: options.cwd },
	);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForHttp("workerd", url);
	} catch (error) {
		await daemon.stop();
		throw new Error(`${String(error)}\n${daemon.output()}`);
	}
	const pid = daemon.child.pid;
	return { url, pids: () => (pid === undefined ? [] : [pid]), stop: () => daemon.stop() };
}
