// `node cli/live-memory.ts [--viewers N] [--cycles N]`: what live viewers cost in workerd's memory,
// and how much of it stays after they leave (docs/capacity.md, "Live viewers and memory"). N
// WebSockets (the default MAX_LIVE_SOCKETS, 5,000, unless --viewers says otherwise; the server is
// started with that bound) are opened to the demo drop's live feed of `npm start`
// (its own process group, fresh state), then closed, several times; each step reads workerd's
// resident memory and the product isolate's V8 heap after a collection (workerd's inspector,
// `Runtime.getHeapUsage`). The same cycles then run against a bare worker on the same runtime (the
// Miniflare API with a direct socket) that only accepts each socket: the runtime's own cost of a
// socket, below which the product's cannot go. Memory is read, not timed: other work on the
// machine does not move it.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_LIVE_SOCKETS } from "../src/domain/bounds.ts";
import { startServerScript } from "./bench/worker.ts";
import { inspectorSession } from "./lib/inspector-profile.ts";
import { startMiniflare } from "./lib/runtimes.ts";
import { childPids } from "./lib/workerd-cpu.ts";

const USAGE = "usage: node cli/live-memory.ts [--viewers N] [--cycles N]";
const args = process.argv.slice(2);
if (args.includes("--help")) {
	console.log(USAGE);
	process.exit(0);
}
function option(name: string, fallback: number): number {
	const at = args.indexOf(name);
	if (at < 0) return fallback;
	const value = Number(args[at + 1]);
	if (!Number.isInteger(value) || value < 1) {
		console.error(`${name} takes a whole number ≥ 1\n${USAGE}`);
		process.exit(2);
	}
	return value;
}
const VIEWERS = option("--viewers", DEFAULT_MAX_LIVE_SOCKETS);
const CYCLES = option("--cycles", 3);
/** Where `npm start`'s workerd listens for the inspector (scripts/runtime.ts RG_INSPECTOR_PORT). */
const INSPECTOR_PORT = 9241;
/** After the sockets close: long enough for both ends to finish their close handshakes. */
const SETTLE_MS = 10_000;
/** The longest one inspector call may take. */
const INSPECTOR_WAIT_MS = 120_000;
/** Sockets opened at once. */
const OPEN_BATCH = 100;
const SKU = "DEMO-SNEAKER";

const BARE_WORKER_JS = `export default {
	async fetch() {
		const { 0: client, 1: server } = new WebSocketPair();
		server.accept();
		server.send("hello");
		server.addEventListener("close", () => { try { server.close(1000, "bye"); } catch {} });
		return new Response(null, { status: 101, webSocket: client });
	},
};
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The workerd process below `root` (Miniflare's child, or the one under `npm start`'s group). */
function workerdBelow(root: number): number {
	const queue = [root];
	while (queue.length > 0) {
		const pid = queue.shift() as number;
		const command = execFileSync("ps", ["-o", "args=", "-p", String(pid)]).toString();
		if (command.includes("workerd serve")) return pid;
		queue.push(...childPids(pid));
	}
	throw new Error(`no workerd below process ${root}`);
}

function rssMb(pid: number): number {
	return Math.round(
		Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)]).toString()) / 1024,
	);
}

/**
 * The product isolate's V8 heap in use, MB: after a full collection when `collect`. Only the first
 * reading collects: after thousands of sockets, workerd's inspector left a collection unanswered
 * for minutes here, so the later readings take the heap as it is (it holds any garbage too, so it
 * is an upper bound of what our code keeps).
 */
async function heapMb(collect: boolean): Promise<number> {
	const { send, close } = await inspectorSession(
		INSPECTOR_PORT,
		"revenue-guard",
		INSPECTOR_WAIT_MS,
	);
	try {
		if (collect) {
			await send("HeapProfiler.enable");
			await send("HeapProfiler.collectGarbage");
		}
		const { usedSize } = (await send("Runtime.getHeapUsage")) as { usedSize: number };
		return Math.round(usedSize / 1_048_576);
	} finally {
		close();
	}
}

function openViewer(url: string): Promise<WebSocket | null> {
	return new Promise((resolve) => {
		const ws = new WebSocket(url);
		ws.addEventListener("open", () => resolve(ws), { once: true });
		ws.addEventListener("error", () => resolve(null), { once: true });
	});
}

/** Opens and closes VIEWERS sockets CYCLES times, printing workerd's memory at each step. */
async function cycles(name: string, wsUrl: string, workerd: number, heap: boolean): Promise<void> {
	const line = async (step: string, collect: boolean) =>
		console.log(
			`${name.padEnd(7)} ${step.padEnd(26)} rss ${String(rssMb(workerd)).padStart(5)} MB` +
				(heap
					? `   V8 heap in use ${await heapMb(collect)} MB${collect ? " (collected)" : ""}`
					: ""),
		);
	await line("before", true);
	for (let cycle = 1; cycle <= CYCLES; cycle++) {
		const open: WebSocket[] = [];
		for (let i = 0; i < VIEWERS; i += OPEN_BATCH) {
			const batch = Math.min(OPEN_BATCH, VIEWERS - i);
			const opened = await Promise.all(Array.from({ length: batch }, () => openViewer(wsUrl)));
			for (const ws of opened) if (ws !== null) open.push(ws);
		}
		await line(`cycle ${cycle}: ${open.length} open`, false);
		for (const ws of open) ws.close();
		await sleep(SETTLE_MS);
		await line(`cycle ${cycle}: closed`, false);
	}
}

console.log(
	`${VIEWERS} live viewers, ${CYCLES} cycles; memory read ${SETTLE_MS / 1000} s after each close`,
);

process.env.RG_INSPECTOR_PORT = String(INSPECTOR_PORT);
// Room for every viewer asked for, and no more (src/shared/config.ts MAX_LIVE_SOCKETS). Every
// viewer comes from this machine's one address, so that address may hold them all
// (MAX_LIVE_SOCKETS_PER_ADDRESS, docs/rate-limits.md "Live-feed places per address").
process.env.MAX_LIVE_SOCKETS = String(VIEWERS);
process.env.MAX_LIVE_SOCKETS_PER_ADDRESS = String(VIEWERS);
const product = await startServerScript("start");
try {
	const leader = product.pids()[0];
	if (leader === undefined) throw new Error("npm start has no process");
	const wsUrl = `${product.url.replace("http", "ws")}/api/products/${SKU}/live`;
	await cycles("product", wsUrl, workerdBelow(leader), true);
} finally {
	await product.stop();
	delete process.env.RG_INSPECTOR_PORT;
}

const persistDir = mkdtempSync(join(tmpdir(), "revenue-guard-live-memory-"));
const bare = await startMiniflare({
	config: {
		name: "bare-live",
		compatibilityDate: "2025-10-01",
		manifest: {
			mainModule: "worker.js",
			modules: { "worker.js": { type: "esm", contents: BARE_WORKER_JS } },
		},
	},
	persistDir,
});
try {
	const [root] = bare.pids();
	if (root === undefined) throw new Error("the bare worker has no process");
	await cycles("bare", bare.directUrl.replace("http", "ws"), workerdBelow(root), false);
} finally {
	await bare.stop();
	rmSync(persistDir, { recursive: true, force: true });
}
process.exit(0);
