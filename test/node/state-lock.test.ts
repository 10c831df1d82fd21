// One server per STATE_DIR (scripts/state-lock.ts, docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md).
// Before the lock a second `npm start` on the same state ran beside the first, and once both had
// loaded a SKU the second one's reserve answered 500 (a colliding outbox sequence) or sold a unit
// the first had sold. The lock is held by the live process, so a `kill -9` of the first server
// leaves nothing that refuses the next start. A local D1 locked by another process (a SQLite
// shell, a `wrangler d1 … --local`) ends the start with one line instead of workerd's stack.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import { d1File, holdWriteLock } from "../support/local-storage.ts";
import { type Daemon, freePort, startDaemon, tcpOpen, waitUntil } from "../support/proc.ts";
import { api, startServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** A refused start ends well within this (it refuses before bundling or starting workerd). */
const REFUSAL_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
const READY_TIMEOUT_MS = 90_000;
/** The watchdog signals workerd as soon as Node's end closes its pipe; workerd then exits. */
const ORPHAN_GONE_MS = 10_000;

/** `npm start` (or `npm run dev`) on `stateDir` without waiting for it: the caller watches it end. */
function startRaw(stateDir: string, port: number, script = "start.ts"): Daemon {
	return startDaemon(process.execPath, [join(ROOT, "scripts", script)], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			STATE_DIR: stateDir,
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			RATE_LIMITS: "off",
		},
	});
}

/** Waits for `daemon` to exit; a start that reports itself running instead fails at once. */
async function refusal(daemon: Daemon): Promise<{ code: number | null; output: string }> {
	const deadline = Date.now() + REFUSAL_TIMEOUT_MS;
	while (!daemon.exited()) {
		if (daemon.output().includes("is running at"))
			throw new Error(`the second start ran:\n${daemon.output()}`);
		if (Date.now() > deadline) throw new Error(`still running:\n${daemon.output()}`);
		await sleep(POLL_MS);
	}
	return { code: daemon.child.exitCode, output: daemon.output() };
}

describe("one server per STATE_DIR", () => {
	const servers: TestServer[] = [];
	const daemons: Daemon[] = [];
	afterAll(async () => {
		await Promise.all(daemons.map((d) => d.stop()));
		// The last one owns (and removes) the state directory.
		for (const server of servers.reverse()) await server.dispose();
	});

	it("refuses a second start (npm start or npm run dev) on a state in use, and starts after the first was killed -9", async () => {
		const first = await startServer();
		servers.push(first);
		const second = startRaw(first.stateDir, await freePort());
		daemons.push(second);
		const { code, output } = await refusal(second);
		expect(code).not.toBe(0);
		const lines = output.trim().split("\n");
		expect(lines, output).toHaveLength(1);
		expect(lines[0]).toContain(`STATE_DIR ${first.stateDir} is in use by another server`);
		expect(lines[0]).toMatch(/pid \d+/);
		// `npm run dev` shares the state's layout: refused the same way, before wrangler starts.
		const dev = startRaw(first.stateDir, await freePort(), "dev.ts");
		daemons.push(dev);
		const devRefusal = await refusal(dev);
		expect(devRefusal.code).not.toBe(0);
		expect(devRefusal.output.trim().split("\n"), devRefusal.output).toEqual([lines[0]]);
		// The first server serves on, untouched.
		const product = await api(first, "GET", "/api/products/DEMO-SNEAKER");
		expect(product.status).toBe(200);

		// A power cut: nothing of the first server is left to hold the state.
		await first.crash();
		const next = await first.restart();
		servers.push(next);
		const stats = await api(next, "GET", "/api/admin/products/DEMO-SNEAKER/stats", {
			token: TEST_ADMIN_TOKEN,
		});
		expect(stats.status).toBe(200);
		await next.stop();
	});

	it("takes its workerd along when only the start script is killed -9, so the next start is alone", async () => {
		const stateDir = servers[0]?.stateDir;
		if (stateDir === undefined) throw new Error("the first test made the state");
		const port = await freePort();
		const start = startRaw(stateDir, port);
		daemons.push(start);
		await waitUntil(
			"the start's ready line",
			async () => start.output().includes("is running at"),
			READY_TIMEOUT_MS,
		);
		const url = { url: `http://127.0.0.1:${port}` };
		expect((await api(url, "GET", "/healthz")).status).toBe(200);
		// Node alone, not its process group: Miniflare's exit hook, which stops workerd, never runs.
		process.kill(start.child.pid as number, "SIGKILL");
		// The socket is workerd's: once it refuses, no workerd serves from the state any more.
		await waitUntil("workerd to end", async () => !(await tcpOpen(port)), ORPHAN_GONE_MS);
	});

	it("says in one line that the local D1 is locked by another process", async () => {
		const stateDir = servers[0]?.stateDir;
		if (stateDir === undefined) throw new Error("the first test made the state");
		const lock = await holdWriteLock(d1File(stateDir));
		try {
			const start = startRaw(stateDir, await freePort());
			daemons.push(start);
			const { code, output } = await refusal(start);
			expect(code).not.toBe(0);
			const lines = output.trim().split("\n");
			expect(lines, output).toHaveLength(1);
			expect(lines[0]).toMatch(/local D1 database .* is locked by another process/);
		} finally {
			lock.release();
		}
	});
});
