// The TCP ports a process group listens on (Linux /proc), for tests that must reach a server's
// every socket, not only the one it announces: `npm start`'s Miniflare also listens on a
// kernel-chosen loopback port of its own (its entry worker), which the ready line never names.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The processes whose process group is `pgid` (field 5 of /proc/PID/stat). */
function groupPids(pgid: number): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			// The command name (field 2) is in parentheses and may hold spaces: count after it.
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			if (Number(fields[2]) === pgid) pids.push(Number(entry));
		} catch {
			// Gone since the listing.
		}
	}
	return pids;
}

/** Inodes of the sockets `pid` holds open. */
function socketInodes(pid: number): Set<string> {
	const inodes = new Set<string>();
	try {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) {
			try {
				const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
				if (m?.[1] !== undefined) inodes.add(m[1]);
			} catch {
				// Closed since the listing.
			}
		}
	} catch {
		// The process is gone.
	}
	return inodes;
}

/** The ports of the listening TCP sockets (state 0A) of every process in group `pgid`. */
export function listeningPorts(pgid: number): number[] {
	const inodes = new Set<string>();
	for (const pid of groupPids(pgid)) for (const inode of socketInodes(pid)) inodes.add(inode);
	const ports = new Set<number>();
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		let text = "";
		try {
			text = readFileSync(table, "utf8");
		} catch {
			continue;
		}
		for (const line of text.split("\n").slice(1)) {
			const cols = line.trim().split(/\s+/);
			const [local, state, inode] = [cols[1], cols[3], cols[9]];
			if (state !== "0A" || inode === undefined || !inodes.has(inode) || local === undefined)
				continue;
			ports.add(Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
		}
	}
	return [...ports].sort((a, b) => a - b);
}
