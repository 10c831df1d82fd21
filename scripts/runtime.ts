// The lean local runtime of the product: the Worker bundled as `wrangler deploy` ships it, run by
// the Miniflare API with a socket straight into the Worker (no development proxy, no entry worker;
// Node supervises but is not on the request path). One module for `npm start` (scripts/start.ts)
// and the benchmarks (cli/bench/worker.ts, cli/lib/runtimes.ts); the choice and its numbers are in
// docs/decisions/004-local-runtime.md.
//
// Storage is laid out as `wrangler dev --persist-to STATE_DIR` lays it out (STATE_DIR/v3/…), so
// `npm run dev` and `wrangler d1 … --local --persist-to STATE_DIR` see the same data.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { bundleWorker } from "./bundle.ts";
import { ROOT } from "./config.ts";
import {
	applyD1Migrations,
	MIGRATION_LOG_LINES,
	MIGRATIONS_WORKER,
	migrationFailure,
	sqlThroughWorker,
} from "./d1-migrations.ts";
import { guardOrphans, workerdChildren } from "./orphan-guard.ts";
import { lockStateDir, type StateLock } from "./state-lock.ts";
import { workerdV8Flags } from "./v8-flags.ts";

const require = createRequire(join(ROOT, "package.json"));
/** The entrypoint the direct socket enters (src/worker/local-entry.ts). */
export const LOCAL_ENTRYPOINT = "LocalEntrypoint";

// ---- wrangler.jsonc --------------------------------------------------------------------------

export type WranglerConfig = {
	name: string;
	compatibility_date: string;
	compatibility_flags?: string[];
	durable_objects: { bindings: { name: string; class_name: string }[] };
	migrations: { new_sqlite_classes?: string[]; deleted_classes?: string[] }[];
	d1_databases: {
		binding: string;
		database_id?: string;
		preview_database_id?: string;
		migrations_dir?: string;
	}[];
	kv_namespaces: { binding: string; id?: string }[];
	analytics_engine_datasets?: { binding: string; dataset: string }[];
	assets?: {
		directory: string;
		binding?: string;
		html_handling?: string;
		not_found_handling?: string;
		run_worker_first?: string[] | boolean;
	};
	vars?: Record<string, string>;
};

/** wrangler.jsonc's comments are whole lines; dropping them leaves plain JSON. */
export function readWranglerConfig(): WranglerConfig {
	const text = readFileSync(join(ROOT, "wrangler.jsonc"), "utf8")
		.split("\n")
		.filter((line) => !line.trimStart().startsWith("//"))
		.join("\n");
	return JSON.parse(text) as WranglerConfig;
}

// ---- Miniflare ---------------------------------------------------------------------------------

type MiniflareInstance = {
	ready: Promise<URL>;
	unsafeGetDirectURL(workerName?: string, entrypoint?: string): Promise<URL>;
	dispatchFetch(
		url: string,
		init: { method: string; body: string },
	): Promise<{ ok: boolean; text(): Promise<string> }>;
	dispose(): Promise<void>;
};
type MiniflareClass = new (options: Record<string, unknown>) => MiniflareInstance;

/** A Miniflare 5 worker config (`workers: [{ config }]`, the same structure as a wrangler config). */
export type MiniflareWorkerConfig = Record<string, unknown> & { name: string };

export type MiniflareRuntime = {
	/** Miniflare's entry socket (its entry worker in front: `request.cf`, CF-Connecting-IP). */
	entryUrl: string;
	/** The direct socket into the worker: workerd owns it, no JS runs before the worker's own. */
	directUrl: string;
	dispose(): Promise<void>;
};

/**
 * Miniflare as wrangler resolves it, so Miniflare and workerd are the versions wrangler was
 * released with. package.json pins wrangler to the version the vitest plugin depends on, so this
 * is the one copy the tests run as well (test/unit/toolchain.test.ts).
 */
async function loadMiniflare(): Promise<MiniflareClass> {
	const wranglerRequire = createRequire(require.resolve("wrangler/package.json"));
	const { Miniflare } = (await import(wranglerRequire.resolve("miniflare"))) as {
		Miniflare: MiniflareClass;
	};
	return Miniflare;
}

/**
 * Starts one worker on the Miniflare API with a direct socket on `host:port` (port 0: the kernel
 * picks) into `entrypoint`. Storage persists under `persistRoot` (a temporary directory that
 * Miniflare deletes on dispose when undefined). Miniflare's own entry socket listens on a
 * kernel-chosen loopback port; nothing needs it.
 */
export async function startMiniflareWorker(options: {
	config: MiniflareWorkerConfig;
	persistRoot: string | undefined;
	host: string;
	port: number;
	entrypoint?: string;
}): Promise<MiniflareRuntime> {
	const Miniflare = await loadMiniflare();
	// Miniflare takes V8 flags only from this variable, read whenever it (re)starts workerd.
	process.env.MINIFLARE_WORKERD_V8_FLAGS = workerdV8Flags().join(" ");
	const entrypoint = options.entrypoint ?? "default";
	const mf = new Miniflare({
		host: "127.0.0.1",
		port: 0,
		resourcePersistencePath: options.persistRoot,
		// On by default: the entry worker then posts every request to Node over the loopback
		// service, which would put Node's event loop back on its path.
		logRequests: false,
		// For CPU profiles of workerd (cli/reserve-cpu.ts --profile): the DevTools protocol on this
		// port. Unset, no inspector runs.
		...(process.env.RG_INSPECTOR_PORT
			? { inspectorPort: Number(process.env.RG_INSPECTOR_PORT) }
			: {}),
		workers: [
			{
				config: options.config,
				dev: { unsafeDirectSockets: [{ host: options.host, port: options.port, entrypoint }] },
			},
		],
	});
	try {
		const entryUrl = await mf.ready;
		const directUrl = await mf.unsafeGetDirectURL(options.config.name, entrypoint);
		return {
			entryUrl: entryUrl.origin,
			directUrl: directUrl.origin,
			dispose: () => mf.dispose(),
		};
	} catch (error) {
		await mf.dispose().catch(() => undefined);
		throw error;
	}
}

/**
 * The Durable Object classes the migrations leave, in order: each `new_sqlite_classes` adds its
 * classes, a later `deleted_classes` takes them away again. A deleted class is no longer exported
 * by the Worker (decision 093): declared anyway, workerd warns at every start that no such class is
 * exported ("…may make this a startup-time error"). What an older STATE_DIR stored for a deleted
 * class is left on disk, unread.
 */
export function durableObjectClasses(wrangler: Pick<WranglerConfig, "migrations">): string[] {
	const classes = new Set<string>();
	for (const migration of wrangler.migrations) {
		for (const className of migration.new_sqlite_classes ?? []) classes.add(className);
		for (const className of migration.deleted_classes ?? []) classes.delete(className);
	}
	return [...classes];
}

/** The id `wrangler dev` gives a D1 database locally, which names its file under the persist root. */
function d1Id(db: WranglerConfig["d1_databases"][number]): string {
	return db.preview_database_id ?? db.database_id ?? db.binding;
}

/**
 * wrangler.jsonc in Miniflare 5's shape, with the bindings as `wrangler dev` would make them
 * locally (same ids, so the same files under the persist root) and `vars` as JSON bindings.
 */
export function productWorkerConfig(
	wrangler: WranglerConfig,
	bundle: string,
	vars: Record<string, string>,
): MiniflareWorkerConfig {
	const env: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(vars)) env[key] = { type: "json", value };
	for (const binding of wrangler.durable_objects.bindings) {
		env[binding.name] = {
			type: "durable-object",
			worker: wrangler.name,
			exportName: binding.class_name,
		};
	}
	for (const db of wrangler.d1_databases) env[db.binding] = { type: "d1", id: d1Id(db) };
	for (const kv of wrangler.kv_namespaces)
		env[kv.binding] = { type: "kv", id: kv.id ?? kv.binding };
	for (const dataset of wrangler.analytics_engine_datasets ?? [])
		env[dataset.binding] = { type: "analytics-engine-dataset", name: dataset.dataset };
	const exportsConfig: Record<string, unknown> = {};
	for (const className of durableObjectClasses(wrangler))
		exportsConfig[className] = { type: "durable-object", storage: "sqlite" };
	const config: MiniflareWorkerConfig = {
		name: wrangler.name,
		compatibilityDate: wrangler.compatibility_date,
		compatibilityFlags: wrangler.compatibility_flags,
		manifest: {
			mainModule: "index.js",
			modules: { "index.js": { type: "esm", contents: bundle } },
		},
		env,
		exports: exportsConfig,
	};
	if (wrangler.assets) {
		const assets = wrangler.assets;
		config.assets = {
			directory: join(ROOT, assets.directory),
			hasUserWorker: true,
			htmlHandling: assets.html_handling,
			notFoundHandling: assets.not_found_handling,
			runWorkerFirst: assets.run_worker_first,
		};
		if (assets.binding) env[assets.binding] = { type: "assets" };
	}
	return config;
}

// ---- D1 migrations before the product ----------------------------------------------------------

/**
 * Applies every D1 database's pending migrations (scripts/d1-migrations.ts) in a workerd of their
 * own, then stops it. That workerd runs MIGRATIONS_WORKER with only the databases bound, under
 * the product's ids and persist root (the same files the product opens), and listens on no
 * socket of ours. Run before the product starts, so the product's socket never accepts a request
 * while a table or a column is missing: a client that connects earlier is refused, as before any
 * start, instead of `/healthz` answering 200 while the catalogue answers 503. One small workerd
 * start and stop, measured in docs/decisions/070-migrations-before-the-socket.md. Its workerd's
 * own log lines are kept, not printed: a failure says what they say in its message
 * (d1-migrations.ts migrationFailure), a database another process has locked in one line.
 */
async function migrateD1(wrangler: WranglerConfig, persistRoot: string): Promise<void> {
	if (wrangler.d1_databases.length === 0) return;
	const env: Record<string, unknown> = {};
	for (const db of wrangler.d1_databases) env[db.binding] = { type: "d1", id: d1Id(db) };
	const Miniflare = await loadMiniflare();
	const logs: string[] = [];
	// No direct socket and no inspector: only this process talks to it, through dispatchFetch.
	const mf = new Miniflare({
		host: "127.0.0.1",
		port: 0,
		resourcePersistencePath: persistRoot,
		logRequests: false,
		handleStructuredLogs: (log: { message: string }) => {
			logs.push(log.message);
			if (logs.length > MIGRATION_LOG_LINES) logs.shift();
		},
		workers: [
			{
				config: {
					name: `${wrangler.name}-d1-migrations`,
					compatibilityDate: wrangler.compatibility_date,
					manifest: {
						mainModule: "index.js",
						modules: { "index.js": { type: "esm", contents: MIGRATIONS_WORKER } },
					},
					env,
				},
			},
		],
	});
	try {
		await mf.ready;
		for (const db of wrangler.d1_databases) {
			const run = sqlThroughWorker(db.binding, (body) =>
				mf.dispatchFetch("http://d1-migrations/", { method: "POST", body }),
			);
			await applyD1Migrations(run, join(ROOT, db.migrations_dir ?? "migrations"));
		}
	} catch (error) {
		throw migrationFailure(error, logs, join(persistRoot, "d1"));
	} finally {
		await mf.dispose();
	}
}

// ---- the product -------------------------------------------------------------------------------

export type ProductRuntime = {
	/** The product's socket (the LocalEntrypoint): API, pages, live WebSocket. */
	url: string;
	stop(): Promise<void>;
};

/**
 * The whole product on the lean runtime: bundle (cached), apply D1 migrations, then start with
 * every binding of wrangler.jsonc persisted under `stateDir` as wrangler dev lays it out. Its
 * socket accepts connections only once the database has every table (migrateD1).
 * The caller builds the UI first (scripts/build-ui.ts) and passes the Worker's variables.
 * `stateDir` is this product's alone while it runs (scripts/state-lock.ts): `lock` when the
 * caller took it already, else taken here; released when the product stops or fails to start.
 * Its workerd ends with this process, also when `kill -9` ends it (scripts/orphan-guard.ts).
 */
export async function startProduct(options: {
	vars: Record<string, string>;
	stateDir: string;
	host: string;
	port: number;
	lock?: StateLock;
	/** Another build of the Worker and the entrypoint its socket enters (cli/answer-probe.ts); the product's by default. */
	build?: { bundle: string; entrypoint: string };
}): Promise<ProductRuntime> {
	const lock = options.lock ?? lockStateDir(options.stateDir, "a local server");
	try {
		const wrangler = readWranglerConfig();
		const bundle = options.build?.bundle ?? (await bundleWorker());
		const persistRoot = join(options.stateDir, "v3");
		await migrateD1(wrangler, persistRoot);
		const before = new Set(workerdChildren());
		const runtime = await startMiniflareWorker({
			config: productWorkerConfig(wrangler, bundle, options.vars),
			persistRoot,
			host: options.host,
			port: options.port,
			entrypoint: options.build?.entrypoint ?? LOCAL_ENTRYPOINT,
		});
		// Its workerd never outlives this process (orphan-guard.ts): an orphan would serve on
		// from the state whose lock went with this process.
		const guard = guardOrphans(workerdChildren().filter((pid) => !before.has(pid)));
		return {
			url: runtime.directUrl,
			stop: async () => {
				guard.stop();
				try {
					await runtime.dispose();
				} finally {
					lock.release();
				}
			},
		};
	} catch (error) {
		lock.release();
		throw error;
	}
}
