// Starts the real product (`npm start` = scripts/start.ts) on a free port with
// its own state directory, for black-box tests. Each test file owns its server.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 90_000;

export const TEST_ADMIN_TOKEN = "node-test-admin";
export const TEST_DEBUG_TOKEN = "node-test-debug";

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const address = srv.address();
			const port = typeof address === "object" && address ? address.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

export interface TestServer {
	url: string;
	port: number;
	stateDir: string;
	adminToken: string;
	debugToken: string;
	/** Stops the process; the state directory stays until `dispose`. */
	stop(): Promise<void>;
	/** `kill -9` of the whole process group (a power cut, no shutdown); the state directory stays. */
	crash(): Promise<void>;
	/** Stops and removes the state directory. */
	dispose(): Promise<void>;
	output(): string;
}

export interface StartOptions {
	env?: Record<string, string>;
	/** Reuse a state directory (restart tests). */
	stateDir?: string;
	port?: number;
}

/** Starts on a fresh port again when another process took ours between probe and bind. */
const START_ATTEMPTS = 3;

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
	const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "rg-state-"));
	for (let attempt = 1; ; attempt++) {
		try {
			return await startOnce({ ...options, stateDir }, options.stateDir === undefined);
		} catch (error) {
			// Another process (a parallel test file) may take the port between the probe and the bind.
			const collided = error instanceof Error && error.message.includes("Address already in use");
			if (!collided || attempt >= START_ATTEMPTS || options.port !== undefined) throw error;
		}
	}
}

async function startOnce(
	options: StartOptions & { stateDir: string },
	ownsStateDir: boolean,
): Promise<TestServer> {
	const port = options.port ?? (await freePort());
	const stateDir = options.stateDir;
	let log = "";
	const child: ChildProcess = spawn(process.execPath, [join(ROOT, "scripts", "start.ts")], {
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
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	child.stdout?.on("data", (d) => {
		log += d;
	});
	child.stderr?.on("data", (d) => {
		log += d;
	});
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + START_TIMEOUT_MS;
	// Ready once the start script has seeded the demo product (it prints this line).
	while (!log.includes("Revenue Guard is running")) {
		if (child.exitCode !== null)
			throw new Error(`server exited early (${child.exitCode}):\n${log}`);
		if (Date.now() > deadline) {
			killTree(child);
			throw new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${log}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	const end = async (signal: NodeJS.Signals) => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise<void>((r) => child.once("exit", () => r()));
		killTree(child, signal);
		await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
	};
	const stop = () => end("SIGTERM");
	return {
		url,
		port,
		stateDir,
		adminToken: options.env?.ADMIN_TOKEN ?? TEST_ADMIN_TOKEN,
		debugToken: options.env?.DEBUG_TOKEN ?? TEST_DEBUG_TOKEN,
		stop,
		crash: () => end("SIGKILL"),
		async dispose() {
			await stop();
			if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
		},
		output: () => log,
	};
}

function killTree(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
	try {
		// The start script runs workerd (through Miniflare): end the whole process group.
		if (child.pid !== undefined) process.kill(-child.pid, signal);
	} catch {
		child.kill(signal);
	}
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
