// The suite's global setup (vitest.config.ts): gives the run an id that every child a
// test starts carries in its environment (proc.ts childEnv), and at the end finds any
// such process still running — whatever process group it is in — kills it and fails
// the run, naming it. Linux: processes are found through /proc.

import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { killGroup, SPAWNED_MARK_VAR, TEST_RUN_VAR } from "./proc.ts";

interface Leftover {
	pid: number;
	pgid: number;
	command: string;
}

/** Processes whose environment says this run started them (or their parents). */
export function leftoverProcesses(run: string): Leftover[] {
	const mark = `${SPAWNED_MARK_VAR}=${run}`;
	const found: Leftover[] = [];
	for (const entry of readdirSync("/proc")) {
		const pid = Number(entry);
		if (!Number.isInteger(pid) || pid === process.pid) continue;
		try {
			const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
			if (!environ.includes(mark)) continue;
			// Field 5 of /proc/PID/stat is the process group; the command (field 2) may hold spaces.
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
			const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
			found.push({ pid, pgid, command });
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}
	return found;
}

export function setup(): () => void {
	const run = randomUUID();
	process.env[TEST_RUN_VAR] = run;
	return () => {
		const left = leftoverProcesses(run).filter((p) => !isZombie(p.pid));
		if (left.length === 0) return;
		for (const p of left) {
			killGroup(p.pgid, "SIGKILL");
			try {
				process.kill(p.pid, "SIGKILL");
			} catch {
				// Already gone with its group.
			}
		}
		throw new Error(
			`${left.length} process(es) started by the tests were still running after them (now killed):\n${left
				.map((p) => `  pid ${p.pid} (group ${p.pgid}): ${p.command.slice(0, 200)}`)
				.join("\n")}`,
		);
	};
}

function isZombie(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
	} catch {
		return true;
	}
}
