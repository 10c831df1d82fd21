// The product's workerd ends with the Node process that started it. Miniflare stops workerd from
// its exit hook, which `kill -9` of Node never runs: workerd then lived on as an orphan, still
// serving from STATE_DIR while STATE_DIR's lock (scripts/state-lock.ts) had gone with Node, so a
// next start on another port ran beside it on the same state. A watchdog shell below this
// process holds a pipe from it and, when the pipe closes (this process gone, however), kills the
// workerd processes it was given. Stopping normally stops the watchdog first.
// Linux (/proc): elsewhere no watchdog runs, and only a whole process group's kill takes workerd.
// docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md

import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** This process's children now whose executable is workerd ([] without /proc). */
export function workerdChildren(): number[] {
	let names: string[];
	try {
		names = readdirSync("/proc");
	} catch {
		return [];
	}
	const found: number[] = [];
	for (const name of names) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, "utf8");
			// "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after its last ")".
			const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
			if (ppid !== process.pid) continue;
			const argv0 = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0")[0] ?? "";
			if (argv0.endsWith("/workerd") || argv0 === "workerd") found.push(Number(name));
		} catch {
			// Gone meanwhile.
		}
	}
	return found;
}

export type OrphanGuard = { stop(): void };

/**
 * Signals `pids` when this process is gone without stopping the guard: KILL for workerd, TERM
 * for a process that stops its own children on it (wrangler dev, for `npm run dev`).
 */
export function guardOrphans(
	pids: readonly number[],
	signal: "KILL" | "TERM" = "KILL",
): OrphanGuard {
	if (pids.length === 0) return { stop() {} };
	const watchdog: ChildProcess = spawn(
		"sh",
		["-c", `cat >/dev/null; kill -${signal} ${pids.join(" ")} 2>/dev/null`],
		// Its own process group: a Ctrl-C to the terminal's group reaches Node (which stops
		// workerd and then this guard), not the guard.
		{ stdio: ["pipe", "ignore", "ignore"], detached: true },
	);
	// Neither the watchdog nor its pipe keeps this process alive.
	watchdog.unref();
	(watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
	watchdog.on("error", () => undefined);
	return {
		stop() {
			// The group: the shell and the `cat` it waits on.
			try {
				if (watchdog.pid !== undefined) process.kill(-watchdog.pid, "SIGKILL");
			} catch {
				watchdog.kill("SIGKILL");
			}
		},
	};
}
