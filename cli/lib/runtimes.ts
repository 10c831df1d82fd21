// The ways to run a Cloudflare Worker on this machine, each started on a free loopback port and
// stopped cleanly: `wrangler dev` (development proxy), wrangler's test harness, the Miniflare API,
// and bare workerd with a hand-written capnp config. cli/runtime-probe.ts measures them;
// cli/RUNTIME-NOTES.md says which one the bench uses and why.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { freePort, onCleanup, startDaemon, waitUntil } from "./proc.ts";

export type RunningWorker = {
	/** Base URL of the worker's HTTP socket. */
	url: string;
	stop(): Promise<void>;
};

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 60_000;
const require = createRequire(join(REPO_ROOT, "package.json"));

/**
 * wrangler's own copy first (node_modules/wrangler/node_modules/…) so miniflare and workerd are
 * the versions wrangler was released with; the hoisted copy otherwise.
 */
function resolveFromWrangler(request: string): string {
	const wranglerRequire = createRequire(require.resolve("wrangler/package.json"));
	return wranglerRequire.resolve(request);
}

export function workerdBinary(): string {
	const candidates = [
		join(REPO_ROOT, "node_modules/wrangler/node_modules/workerd/bin/workerd"),
		join(REPO_ROOT, "node_modules/workerd/bin/workerd"),
	];
	const found = candidates.find((path) => existsSync(path));
	if (!found) throw new Error(`no workerd binary in ${candidates.join(" or ")}`);
	return found;
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

type D1Like = { batch(statements: unknown[]): Promise<unknown>; prepare(sql: string): unknown };
type MiniflareInstance = {
	ready: Promise<URL>;
	unsafeGetDirectURL(workerName?: string): Promise<URL>;
	getD1Database(binding: string, workerName?: string): Promise<D1Like>;
	dispose(): Promise<void>;
};
type MiniflareClass = new (options: Record<string, unknown>) => MiniflareInstance;

export type MiniflareWorker = RunningWorker & {
	/**
	 * A socket straight into the user worker, skipping Miniflare's entry worker: no `request.cf`
	 * and no `CF-Connecting-IP` unless the client sends one (see cli/RUNTIME-NOTES.md).
	 */
	directUrl: string;
	/** Applies every `*.sql` file of `migrationsDir`, in name order, to the D1 `binding`. */
	applyD1Migrations(binding: string, migrationsDir: string): Promise<number>;
};

/**
 * The Miniflare API (v5 option shape: `workers: [{ config }]`, the same structure as a wrangler
 * config). workerd serves both sockets itself: Node only supervises, it is not on the request path.
 */
export async function startMiniflare(options: {
	config: Record<string, unknown> & { name: string };
	persistDir: string;
}): Promise<MiniflareWorker> {
	const { Miniflare } = (await import(resolveFromWrangler("miniflare"))) as {
		Miniflare: MiniflareClass;
	};
	const port = await freePort();
	const directPort = await freePort();
	const mf = new Miniflare({
		host: "127.0.0.1",
		port,
		resourcePersistencePath: options.persistDir,
		// On by default: the entry worker then posts every request to Node over the loopback
		// service (in waitUntil), which puts Node's event loop back on the request path.
		logRequests: false,
		workers: [
			{
				config: options.config,
				dev: { unsafeDirectSockets: [{ host: "127.0.0.1", port: directPort }] },
			},
		],
	});
	const unregister = onCleanup(() => void mf.dispose());
	const url = await mf.ready;
	const directUrl = await mf.unsafeGetDirectURL(options.config.name);
	return {
		url: url.origin,
		directUrl: directUrl.origin,
		applyD1Migrations: async (binding, migrationsDir) =>
			applyMigrations(await mf.getD1Database(binding, options.config.name), migrationsDir),
		stop: async () => {
			await mf.dispose();
			unregister();
		},
	};
}

/**
 * The same files `wrangler d1 migrations apply --local` would run, through the binding itself,
 * so the data lands where the running worker reads it. One batch per file (atomic, like wrangler).
 */
async function applyMigrations(db: D1Like, migrationsDir: string): Promise<number> {
	const { unstable_splitSqlQuery: splitSql } = (await import(require.resolve("wrangler"))) as {
		unstable_splitSqlQuery(sql: string): string[];
	};
	const files = readdirSync(migrationsDir)
		.filter((name) => name.endsWith(".sql"))
		.sort();
	for (const file of files) {
		const statements = splitSql(readFileSync(join(migrationsDir, file), "utf8"));
		await db.batch(statements.map((statement) => db.prepare(statement)));
	}
	return files.length;
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
