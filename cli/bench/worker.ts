// The ways the bench runs our real worker, all with fresh state and the same variables:
//  - in this process, on the lean runtime of scripts/runtime.ts (the Miniflare API with a direct
//    socket, docs/measurements/local-runtimes.md), the rows named after what they measure;
//  - as `npm start` (scripts/start.ts, its own process group), the `start-…` rows: the product as
//    a user runs it, with its own start-up, signal handling and build checks;
//  - as `npm run dev` (scripts/dev.ts, wrangler's development proxy), only with --dev-hello.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildUi } from "../../scripts/build-ui.ts";
import { workerVars } from "../../scripts/config.ts";
import { readWranglerConfig, startProduct } from "../../scripts/runtime.ts";
import { freePort, onCleanup, startDaemon, waitUntil } from "../../test/support/proc.ts";
import { childPids } from "../lib/workerd-cpu.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** The ready line scripts/start.ts prints once migrations ran and the demo product exists. */
const READY_LINE = "Revenue Guard is running at";
const START_TIMEOUT_MS = 120_000;

export type BenchTarget = {
	/** Base URL of the product's socket (API, pages, live WebSocket). */
	url: string;
	adminToken: string;
	debugToken: string;
	/**
	 * The processes whose trees serve it, for CPU per request (cli/lib/workerd-cpu.ts): the
	 * workerd the lean runtime started below this process, or `npm start`'s whole process group.
	 */
	pids(): number[];
	stop(): Promise<void>;
};

/** What every bench target runs with, over local.vars. */
function benchVars(adminToken: string, debugToken: string): Record<string, string> {
	return {
		ADMIN_TOKEN: adminToken,
		DEBUG_TOKEN: debugToken,
		// The bench sends load from one machine; per-IP and per-session limits would measure
		// the limiter, not the sale.
		RATE_LIMITS: "off",
		// Checkout measures our path, not a simulated card network's sleep.
		PAYMENT_PROVIDER: "simulated",
		PAYMENT_SIM_LATENCY_MS: "0",
	};
}

function freshStateDir(): { dir: string; remove(): void } {
	const dir = mkdtempSync(join(tmpdir(), "revenue-guard-bench-"));
	const forget = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	return {
		dir,
		remove: () => {
			forget();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** The worker on the lean runtime, started from this process (scripts/runtime.ts). */
export async function startBenchWorker(): Promise<BenchTarget> {
	const adminToken = `bench-admin-${process.pid}`;
	const debugToken = `bench-debug-${process.pid}`;
	buildUi();
	const state = freshStateDir();
	// The runtime's processes are the children this start adds (workerd; an esbuild service the
	// bundling may leave running idles through the rows).
	const before = new Set(childPids());
	try {
		const product = await startProduct({
			vars: {
				...workerVars(state.dir, readWranglerConfig().vars),
				...benchVars(adminToken, debugToken),
			},
			stateDir: state.dir,
			host: "127.0.0.1",
			port: 0,
		});
		const unregister = onCleanup(() => void product.stop());
		const own = childPids().filter((pid) => !before.has(pid));
		return {
			url: product.url,
			pids: () => own,
			adminToken,
			debugToken,
			stop: async () => {
				await product.stop();
				unregister();
				state.remove();
			},
		};
	} catch (error) {
		state.remove();
		throw error;
	}
}

/** `npm start` (scripts/start.ts) or `npm run dev` (scripts/dev.ts) in its own process group, on a free port. */
export async function startServerScript(script: "start" | "dev"): Promise<BenchTarget> {
	const adminToken = `bench-admin-${process.pid}`;
	const debugToken = `bench-debug-${process.pid}`;
	const state = freshStateDir();
	const port = await freePort();
	const daemon = startDaemon(process.execPath, [join(REPO_ROOT, "scripts", `${script}.ts`)], {
		cwd: REPO_ROOT,
		env: {
			...process.env,
			...benchVars(adminToken, debugToken),
			PORT: String(port),
			STATE_DIR: state.dir,
		},
	});
	try {
		const exited = () => daemon.child.exitCode !== null || daemon.child.signalCode !== null;
		await waitUntil(
			`${script}'s ready line`,
			async () => exited() || daemon.output().includes(READY_LINE),
			START_TIMEOUT_MS,
		);
		if (exited()) throw new Error(`scripts/${script}.ts exited before it was ready`);
	} catch (error) {
		await daemon.stop();
		state.remove();
		throw new Error(`${String(error)}\n${daemon.output()}`);
	}
	const leader = daemon.child.pid;
	return {
		url: `http://127.0.0.1:${port}`,
		adminToken,
		debugToken,
		pids: () => (leader === undefined ? [] : [leader]),
		stop: async () => {
			await daemon.stop();
			state.remove();
		},
	};
}
