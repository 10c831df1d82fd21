// Child processes for the tests and the CLI (benchmarks, drop simulator): start them in
// their own process group, wait until they answer, and stop them (and everything they
// spawned) on the way out, even on failure or Ctrl-C. Node only; the runtime-neutral
// helpers are random.ts and src/shared/sleep.ts.
//
// Under `npm test` every child is marked (SPAWNED_MARK_VAR in its environment, inherited by
// its own children), so the suite's global teardown (global-setup.ts) can find and fail on
// anything a test left running, whichever process group it ended up in.

import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { sleep } from "../../src/shared/sleep.ts";

/** Grace period between SIGTERM and SIGKILL when stopping a child. */
export const STOP_GRACE_MS = 10_000;
/** Poll interval while waiting for something to come up. */
const POLL_INTERVAL_MS = 100;
/** Bytes of a command's output kept for error messages. */
const OUTPUT_TAIL_BYTES = 4_096;

/** Set by the suite's global setup to this run's id (global-setup.ts). */
export const TEST_RUN_VAR = "RG_TEST_RUN";
/** Put into every child's environment while a suite runs: the run id that started it. */
export const SPAWNED_MARK_VAR = "RG_TEST_SPAWNED_BY";

/** The environment for a child: `env` (default: ours), marked when a test run is on. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
	const run = process.env[TEST_RUN_VAR];
	return run === undefined ? env : { ...env, [SPAWNED_MARK_VAR]: run };
}

/** Signals a whole process group; false when it is already gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false;
	}
}

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

/**
 * Runs a command to completion (bounded by `timeoutMs`, after which its whole process group
 * is killed) and collects its output; `outputBytes` of each stream are kept (the tail).
 */
export async function runCommand(
	command: string,
	args: readonly string[],
	options: SpawnOptions & {
		timeoutMs: number;
		outputBytes?: number;
		/** Sees stderr as it comes (a test acting at a point of the child's progress). */
		onStderr?: (chunk: string) => void;
	},
): Promise<CommandResult> {
	const { timeoutMs, outputBytes = OUTPUT_TAIL_BYTES, onStderr, ...spawnOptions } = options;
	return await new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			...spawnOptions,
			env: childEnv(spawnOptions.env),
			stdio: ["ignore", "pipe", "pipe"],
			detached: true,
		});
		let stdout = "";
		let stderr = "";
		child.stdout?.on("data", (chunk: Buffer) => {
			stdout = tail(stdout + chunk.toString(), outputBytes);
		});
		child.stderr?.on("data", (chunk: Buffer) => {
			stderr = tail(stderr + chunk.toString(), outputBytes);
			onStderr?.(chunk.toString());
		});
		const kill = () => {
			if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
		};
		const timer = setTimeout(kill, timeoutMs);
		const unregister = onCleanup(kill);
		const watchdog = child.pid === undefined ? null : killWithParent(child.pid);
		const forget = () => {
			clearTimeout(timer);
			unregister();
			stopWatchdog(watchdog);
		};
		child.once("error", (error) => {
			forget();
			reject(error);
		});
		child.once("close", (code) => {
			forget();
			resolve({ code, stdout, stderr });
		});
	});
}

export type Daemon = {
	readonly child: ChildProcess;
	/** Output seen so far (tail), for error messages. */
	output(): string;
	/** True once the child has exited. */
	exited(): boolean;
	/**
	 * SIGTERM to the whole process group, SIGKILL after the grace period; resolves on exit.
	 * Anything of the group still there then (grandchildren that ignored SIGTERM) is killed.
	 */
	stop(): Promise<void>;
	/** SIGKILL to the whole group at once (a power cut: no shutdown); resolves on exit. */
	kill(): Promise<void>;
};

/**
 * Starts a long-running child in its own process group (so wrappers such as wrangler, which
 * spawn workerd, are stopped with everything below them) and registers it for cleanup.
 * `outputBytes` of its output are kept (the tail).
 */
export function startDaemon(
	command: string,
	args: readonly string[],
	options: SpawnOptions & { outputBytes?: number } = {},
): Daemon {
	const { outputBytes = OUTPUT_TAIL_BYTES, ...spawnOptions } = options;
	const child = spawn(command, args, {
		stdio: ["ignore", "pipe", "pipe"],
		...spawnOptions,
		env: childEnv(spawnOptions.env),
		detached: true,
	});
	let output = "";
	const collect = (chunk: Buffer) => {
		output = tail(output + chunk.toString(), outputBytes);
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
	const isExited = () => child.exitCode !== null || child.signalCode !== null;
	// The group outlives its leader when a grandchild lingers: signal it even after the exit.
	const signalGroup = (signal: NodeJS.Signals) => {
		if (child.pid !== undefined) killGroup(child.pid, signal);
	};
	const unregister = onCleanup(() => signalGroup("SIGKILL"));
	const watchdog = child.pid === undefined ? null : killWithParent(child.pid);
	const done = () => {
		stopWatchdog(watchdog);
		unregister();
	};
	return {
		child,
		output: () => output,
		exited: isExited,
		stop: async () => {
			if (!isExited()) signalGroup("SIGTERM");
			const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
			await exited;
			clearTimeout(timer);
			// Grandchildren that ignored SIGTERM die with the group.
			signalGroup("SIGKILL");
			done();
		},
		kill: async () => {
			signalGroup("SIGKILL");
			await exited;
			done();
		},
	};
}

/**
 * A watchdog for a process group: a tiny shell that reads a pipe from this process and
 * kills the group when the pipe closes, i.e. when this process is gone whatever killed
 * it (even SIGKILL, which runs no exit hook). Stopping the group normally kills the
 * watchdog's group first (stopWatchdog). It runs in its own group, so the one it guards cannot take it along.
 */
function killWithParent(pgid: number): ChildProcess {
	const watchdog = spawn("sh", ["-c", `cat >/dev/null; kill -KILL -- -${pgid} 2>/dev/null`], {
		stdio: ["pipe", "ignore", "ignore"],
		env: childEnv(),
		detached: true,
	});
	// Neither the watchdog nor its pipe keeps this process alive.
	watchdog.unref();
	(watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
	watchdog.on("error", () => undefined);
	return watchdog;
}

/**
 * Stops a watchdog that is no longer needed: its whole group, the shell and the `cat` it waits
 * on. Killing the shell alone left the `cat` reading its pipe until this process exited, and the
 * suite's teardown (global-setup.ts) found it still running once.
 */
function stopWatchdog(watchdog: ChildProcess | null): void {
	if (watchdog?.pid === undefined) return;
	if (!killGroup(watchdog.pid, "SIGKILL")) watchdog.kill("SIGKILL");
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

function tail(text: string, bytes = OUTPUT_TAIL_BYTES): string {
	return text.length > bytes ? text.slice(-bytes) : text;
}
