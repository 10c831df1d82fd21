// Child processes for benchmarks: start them in their own process group, wait until they
// answer, and stop them (and everything they spawned) on the way out, even on Ctrl-C.

import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { connect, createServer } from "node:net";

/** Grace period between SIGTERM and SIGKILL when stopping a child. */
export const STOP_GRACE_MS = 10_000;
/** Poll interval while waiting for something to come up. */
const POLL_INTERVAL_MS = 100;
/** Bytes of a command's output kept for error messages. */
const OUTPUT_TAIL_BYTES = 4_096;

export type CommandResult = { code: number | null; stdout: string; stderr: string };

/** A loopback port that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
		});
	});
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws naming `what`). */
export async function waitUntil(
	what: string,
	check: () => Promise<boolean>,
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await sleep(POLL_INTERVAL_MS);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function tcpOpen(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		socket.once("connect", () => {
			socket.destroy();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command to completion (bounded by `timeoutMs`) and collects its output. */
export async function runCommand(
	command: string,
	args: readonly string[],
	options: SpawnOptions & { timeoutMs: number },
): Promise<CommandResult> {
	return await new Promise((resolve, reject) => {
		const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
		let stdout = "";
		let stderr = "";
		child.stdout?.on("data", (chunk: Buffer) => {
			stdout = tail(stdout + chunk.toString());
		});
		child.stderr?.on("data", (chunk: Buffer) => {
			stderr = tail(stderr + chunk.toString());
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
		const forget = onCleanup(() => child.kill("SIGKILL"));
		child.once("error", (error) => {
			clearTimeout(timer);
			forget();
			reject(error);
		});
		child.once("close", (code) => {
			clearTimeout(timer);
			forget();
			resolve({ code, stdout, stderr });
		});
	});
}

export type Daemon = {
	readonly child: ChildProcess;
	/** Output seen so far (tail), for error messages. */
	output(): string;
	/** SIGTERM to the whole process group, SIGKILL after the grace period; resolves on exit. */
	stop(): Promise<void>;
};

/**
 * Starts a long-running child in its own process group (so wrappers such as wrangler, which
 * spawn workerd, are stopped with everything below them) and registers it for cleanup.
 */
export function startDaemon(
	command: string,
	args: readonly string[],
	options: SpawnOptions = {},
): Daemon {
	const child = spawn(command, args, {
		stdio: ["ignore", "pipe", "pipe"],
		...options,
		detached: true,
	});
	let output = "";
	const collect = (chunk: Buffer) => {
		output = tail(output + chunk.toString());
	};
	child.stdout?.on("data", collect);
	child.stderr?.on("data", collect);
	const exited = new Promise<void>((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve();
		else child.once("exit", () => resolve());
	});
	child.once("error", (error) => {
		output = tail(`${output}\nspawn error: ${error.message}`);
	});
	const killGroup = (signal: NodeJS.Signals) => {
		if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
		try {
			process.kill(-child.pid, signal);
		} catch {
			// The group is already gone.
		}
	};
	const unregister = onCleanup(() => killGroup("SIGKILL"));
	return {
		child,
		output: () => output,
		stop: async () => {
			killGroup("SIGTERM");
			const timer = setTimeout(() => killGroup("SIGKILL"), STOP_GRACE_MS);
			await exited;
			clearTimeout(timer);
			// Grandchildren that ignored SIGTERM die with the group.
			killGroup("SIGKILL");
			unregister();
		},
	};
}

// ---- cleanup on exit -------------------------------------------------------------------------

const cleanups = new Set<() => void>();
let hooksInstalled = false;

/**
 * Registers a synchronous last-resort cleanup (kill a process) that runs on exit, Ctrl-C or
 * SIGTERM, so an interrupted benchmark leaves no servers behind. Returns an unregister function.
 */
export function onCleanup(cleanup: () => void): () => void {
	installHooks();
	cleanups.add(cleanup);
	return () => cleanups.delete(cleanup);
}

function runCleanups(): void {
	// Last registered runs first, like nested `finally` blocks: a process dies before its files.
	for (const cleanup of [...cleanups].reverse()) {
		try {
			cleanup();
		} catch {
			// Keep going: the other processes still need to die.
		}
	}
	cleanups.clear();
}

function installHooks(): void {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.once("exit", runCleanups);
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.once(signal, () => {
			runCleanups();
			process.exit(signal === "SIGINT" ? 130 : 143);
		});
	}
}

function tail(text: string): string {
	return text.length > OUTPUT_TAIL_BYTES ? text.slice(-OUTPUT_TAIL_BYTES) : text;
}
