// Bundles the real worker and starts it on the Miniflare API with a direct socket (the runtime
// chosen in cli/RUNTIME-NOTES.md), with fresh state and every binding of wrangler.jsonc.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { localVars } from "../../scripts/config.ts";
import { onCleanup, runCommand } from "../lib/proc.ts";
import { type MiniflareWorker, startMiniflare } from "../lib/runtimes.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const BUNDLE_DIR = join(REPO_ROOT, ".tmp/bench-bundle");
const BUNDLE_TIMEOUT_MS = 120_000;

export type BenchWorker = MiniflareWorker & { adminToken: string; debugToken: string };

type WranglerConfig = {
	name: string;
	compatibility_date: string;
	durable_objects: { bindings: { name: string; class_name: string }[] };
	migrations: { new_sqlite_classes?: string[] }[];
	d1_databases: { binding: string; database_id: string; migrations_dir?: string }[];
	kv_namespaces: { binding: string; id: string }[];
	analytics_engine_datasets?: { binding: string; dataset: string }[];
	vars?: Record<string, string>;
};

/** wrangler.jsonc's comments are whole lines; dropping them leaves plain JSON. */
function readWranglerConfig(): WranglerConfig {
	const text = readFileSync(join(REPO_ROOT, "wrangler.jsonc"), "utf8")
		.split("\n")
		.filter((line) => !line.trimStart().startsWith("//"))
		.join("\n");
	return JSON.parse(text) as WranglerConfig;
}

async function bundle(): Promise<string> {
	const result = await runCommand(
		process.execPath,
		[
			join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js"),
			"deploy",
			"--dry-run",
			"--outdir",
			BUNDLE_DIR,
		],
		{
			cwd: REPO_ROOT,
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
			timeoutMs: BUNDLE_TIMEOUT_MS,
		},
	);
	if (result.code !== 0) {
		throw new Error(`wrangler deploy --dry-run failed (exit ${result.code}):\n${result.stderr}`);
	}
	return readFileSync(join(BUNDLE_DIR, "index.js"), "utf8");
}

export async function startBenchWorker(): Promise<BenchWorker> {
	const wrangler = readWranglerConfig();
	const contents = await bundle();
	const adminToken = `bench-admin-${process.pid}`;
	const debugToken = `bench-debug-${process.pid}`;
	const vars: Record<string, string> = {
		...wrangler.vars,
		...localVars(),
		ADMIN_TOKEN: adminToken,
		DEBUG_TOKEN: debugToken,
		// The bench sends load from one machine; per-IP and per-session limits would measure
		// the limiter, not the sale.
		RATE_LIMITS: "off",
		// Checkout measures our path, not a simulated card network's sleep.
		PAYMENT_PROVIDER: "simulated",
		PAYMENT_SIM_LATENCY_MS: "0",
	};
	const env: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(vars)) env[key] = { type: "json", value };
	for (const binding of wrangler.durable_objects.bindings) {
		env[binding.name] = {
			type: "durable-object",
			worker: wrangler.name,
			exportName: binding.class_name,
		};
	}
	for (const db of wrangler.d1_databases) env[db.binding] = { type: "d1", id: db.database_id };
	for (const kv of wrangler.kv_namespaces) env[kv.binding] = { type: "kv", id: kv.id };
	for (const dataset of wrangler.analytics_engine_datasets ?? []) {
		env[dataset.binding] = { type: "analytics-engine-dataset", name: dataset.dataset };
	}
	const exportsConfig: Record<string, unknown> = {};
	for (const migration of wrangler.migrations) {
		for (const className of migration.new_sqlite_classes ?? []) {
			exportsConfig[className] = { type: "durable-object", storage: "sqlite" };
		}
	}

	const persistDir = mkdtempSync(join(tmpdir(), "revenue-guard-bench-"));
	const forgetDir = onCleanup(() => rmSync(persistDir, { recursive: true, force: true }));
	let worker: MiniflareWorker;
	try {
		worker = await startMiniflare({
			persistDir,
			config: {
				name: wrangler.name,
				compatibilityDate: wrangler.compatibility_date,
				manifest: {
					mainModule: "index.js",
					modules: { "index.js": { type: "esm", contents } },
				},
				env,
				exports: exportsConfig,
			},
		});
	} catch (error) {
		forgetDir();
		rmSync(persistDir, { recursive: true, force: true });
		throw error;
	}
	for (const db of wrangler.d1_databases) {
		await worker.applyD1Migrations(db.binding, join(REPO_ROOT, db.migrations_dir ?? "migrations"));
	}
	return {
		...worker,
		adminToken,
		debugToken,
		stop: async () => {
			await worker.stop();
			forgetDir();
			rmSync(persistDir, { recursive: true, force: true });
		},
	};
}
