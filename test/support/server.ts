// Starts the real product (`npm start` = scripts/start.ts) on a free port with
// its own state directory, for black-box tests. Each test file owns its servers.
//
// Every server runs in its own process group (proc.ts startDaemon: the start
// script, workerd and esbuild below it), and the group is killed when the test
// stops it, when the file ends (servers the file forgot: test/support/node-setup.ts),
// when the test process exits, and else by the suite's global teardown, which
// also fails the run (test/support/global-setup.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readyLine } from "../../scripts/seed.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { type Daemon, freePort, startDaemon } from "./proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 100;
/** Enough of the server's log to explain a failed start. */
const OUTPUT_BYTES = 64 * 1024;
/** Starts on a fresh port again when another process took ours between probe and bind. */
const START_ATTEMPTS = 3;
/** Printed once the start script has seeded the demo product (scripts/seed.ts). */
const READY_TEXT = readyLine("", "").split(" at ")[0] ?? "";

export const TEST_ADMIN_TOKEN = "node-test-admin";
export const TEST_DEBUG_TOKEN = "node-test-debug";

export interface TestServer {
	url: string;
	port: number;
	/** The start script's process, which leads the server's process group. */
	pid: number;
	stateDir: string;
	adminToken: string;
	debugToken: string;
	/** Stops the process group; the state directory stays until `dispose`. */
	stop(): Promise<void>;
	/** `kill -9` of the whole process group (a power cut, no shutdown); the state directory stays. */
	crash(): Promise<void>;
	/** Stops and removes the state directory (when this server made it). */
	dispose(): Promise<void>;
	/** Starts the product again on this server's state, port and settings (stop this one first). */
	restart(): Promise<TestServer>;
	output(): string;
}

export interface StartOptions {
	env?: Record<string, string>;
	/** Reuse a state directory (restart tests). */
	stateDir?: string;
	port?: number;
}

/** Servers of this test process not disposed yet: disposeServers() ends them. */
const live = new Set<TestServer>();

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
	const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "rg-state-"));
	for (let attempt = 1; ; attempt++) {
		try {
			return await startOnce({ ...options, stateDir }, options.stateDir === undefined);
		} catch (error) {
			// Another process (a parallel test file) may take the port between the probe and the bind.
			const collided = error instanceof Error && error.message.includes("Address already in use");
			if (!collided || attempt >= START_ATTEMPTS || options.port !== undefined) {
				if (options.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
				throw error;
			}
		}
	}
}

/** Stops every server this test process started and did not dispose (file teardown). */
export async function disposeServers(): Promise<number> {
	const left = [...live];
	await Promise.all(left.map((server) => server.dispose()));
	return left.length;
}

async function startOnce(
	options: StartOptions & { stateDir: string },
	ownsStateDir: boolean,
): Promise<TestServer> {
	const port = options.port ?? (await freePort());
	const stateDir = options.stateDir;
	const daemon: Daemon = startDaemon(process.execPath, [join(ROOT, "scripts", "start.ts")], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			STATE_DIR: stateDir,
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			DEBUG_TOKEN: TEST_DEBUG_TOKEN,
			RATE_LIMITS: "off",
			...options.env,
		},
		outputBytes: OUTPUT_BYTES,
	});
	const server: TestServer = {
		url: `http://127.0.0.1:${port}`,
		port,
		pid: daemon.child.pid ?? 0,
		stateDir,
		adminToken: options.env?.ADMIN_TOKEN ?? TEST_ADMIN_TOKEN,
		debugToken: options.env?.DEBUG_TOKEN ?? TEST_DEBUG_TOKEN,
		stop: () => daemon.stop(),
		crash: () => daemon.kill(),
		async dispose() {
			live.delete(server);
			await daemon.stop();
			if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
		},
		restart: () => startServer({ ...options, stateDir, port }),
		output: () => daemon.output(),
	};
	live.add(server);
	const deadline = Date.now() + START_TIMEOUT_MS;
	try {
		while (!daemon.output().includes(READY_TEXT)) {
			if (daemon.exited())
				throw new Error(`server exited early (${daemon.child.exitCode}):\n${daemon.output()}`);
			if (Date.now() > deadline)
				throw new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${daemon.output()}`);
			await sleep(READY_POLL_MS);
		}
	} catch (error) {
		live.delete(server);
		await daemon.stop();
		throw error;
	}
	return server;
}

/** A small JSON client for black-box tests. */
export async function api<T = Record<string, unknown>>(
	server: { url: string },
	method: string,
	path: string,
	options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{
	status: number;
	headers: Headers;
	body: { data?: T; error?: { code: string; message: string }; meta?: Record<string, unknown> };
}> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.body !== undefined) headers["content-type"] ??= "application/json";
	const res = await fetch(`${server.url}${path}`, {
		method,
		headers,
		body: options.body === undefined ? undefined : JSON.stringify(options.body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}
