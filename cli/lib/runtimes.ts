// The ways to run a Cloudflare Worker on this machine, each started on a free loopback port and
// stopped cleanly: `wrangler dev` (development proxy), wrangler's test harness, the Miniflare API,
// and bare workerd with a hand-written capnp config. cli/runtime-probe.ts measures them;
// cli/RUNTIME-NOTES.md says which one the bench uses and why.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { type MiniflareWorkerConfig, startMiniflareWorker } from "../../scripts/runtime.ts";
import { freePort, onCleanup, startDaemon, waitUntil } from "./proc.ts";

export type RunningWorker = {
	/** Base URL of the worker's HTTP socket. */
	url: string;
	stop(): Promise<void>;
};

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 60_000;
const require = createRequire(join(REPO_ROOT, "package.json"));

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

// ---- wrangler dev ----------------------------------------------------------------------------

/** `wrangler dev` as a developer runs it, request logging off so it does not cost throughput. */
export async function startWranglerDev(options: {
	configPath: string;
	persistDir: string;
}): Promise<RunningWorker> {
	const port = await freePort();
	const inspectorPort = await freePort();
	const wrangler = join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");
	const daemon = startDaemon(
		// The project's Node 24: wrangler refuses the system Node 20.
		process.execPath,
		[
			wrangler,
			"dev",
			"--config",
			options.configPath,
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-port",
			String(inspectorPort),
			"--persist-to",
			options.persistDir,
			"--show-interactive-dev-session=false",
			"--log-level",
			"error",
		],
		{ env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
	);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForHttp("wrangler dev", url);
	} catch (error) {
		await daemon.stop();
		throw new Error(`${String(error)}\n${daemon.output()}`);
	}
	return { url, stop: () => daemon.stop() };
}

// ---- wrangler test harness -------------------------------------------------------------------

type Harness = { listen(): Promise<{ url: URL }>; close(): Promise<void> };

/**
 * wrangler's `createTestHarness`: reads wrangler.jsonc, bundles, and serves from workerd on a
 * random port with no development proxy in front. Storage is ephemeral (a temporary directory).
 */
export async function startWranglerHarness(options: {
	root: string;
	configPath: string;
}): Promise<RunningWorker> {
	const { createTestHarness } = (await import(require.resolve("wrangler"))) as {
		createTestHarness(options: { root: string; workers: { configPath: string }[] }): Harness;
	};
	const harness = createTestHarness({
		root: options.root,
		workers: [{ configPath: options.configPath }],
	});
	const unregister = onCleanup(() => void harness.close());
	const { url } = await harness.listen();
	return {
		url: url.origin,
		stop: async () => {
			await harness.close();
			unregister();
		},
	};
}

// ---- Miniflare API ---------------------------------------------------------------------------

export type MiniflareWorker = RunningWorker & {
	/**
	 * A socket straight into the user worker, skipping Miniflare's entry worker: no `request.cf`
	 * and no `CF-Connecting-IP` unless the client sends one (see cli/RUNTIME-NOTES.md).
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
	const runtime = await startMiniflareWorker({
		config: options.config,
		persistRoot: options.persistDir,
		host: "127.0.0.1",
		// The kernel picks the port when workerd binds it: no window for another process to take it.
		port: 0,
	});
	const unregister = onCleanup(() => void runtime.dispose());
	return {
		url: runtime.entryUrl,
		directUrl: runtime.directUrl,
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
	return { url, stop: () => daemon.stop() };
}
