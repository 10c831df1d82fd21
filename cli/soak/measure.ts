// What the soak samples: the resident memory of the server's whole process tree
// (scripts/start.ts, the workerd it runs and anything else in its process group)
// and the size of its state directory. The directory is split into data (the
// SQLite databases and KV blobs themselves) and journals (SQLite's -wal and -shm
// files: a write-ahead log grows to about 1,000 pages, 4 MiB, per open database
// before SQLite checkpoints it and starts it over, and goes when the database
// closes), because only data growth says something was kept. Linux /proc
// only; elsewhere memory reads as null and the soak says so.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Where the data is, by binding (the Miniflare layout under STATE_DIR: v3/do, v3/d1, v3/kv). */
export const DATA_PARTS = ["do", "d1", "kv", "other"] as const;
export type DataPart = (typeof DATA_PARTS)[number];

export interface DiskUsage {
	/** Bytes allocated on disk (as `du` counts them), every file under the directory. */
	totalBytes: number;
	/** SQLite -wal and -shm files. */
	journalBytes: number;
	/** Everything else, by binding. */
	data: Record<DataPart, number>;
	dataBytes: number;
	files: number;
}

interface ProcInfo {
	command: string;
	ppid: number;
	pgrp: number;
	rssBytes: number;
}

function processes(): Map<number, ProcInfo> | null {
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
	} catch {
		return null;
	}
	const out = new Map<number, ProcInfo>();
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			// After the command name (which may hold spaces and parentheses): state ppid pgrp …
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
			const status = readFileSync(`/proc/${pid}/status`, "utf8");
			const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
			out.set(Number(pid), {
				command,
				ppid: Number(fields[1]),
				pgrp: Number(fields[2]),
				rssBytes: kb === undefined ? 0 : Number(kb) * 1024,
			});
		} catch {
			// The process ended between the listing and the read.
		}
	}
	return out;
}

/** Sum of VmRSS over every process of process group `pgid`, and of its workerd alone; null without /proc. */
export function processGroupRssBytes(
	pgid: number,
): { totalBytes: number; workerdBytes: number } | null {
	const all = processes();
	if (all === null) return null;
	let totalBytes = 0;
	let workerdBytes = 0;
	for (const p of all.values()) {
		if (p.pgrp !== pgid) continue;
		totalBytes += p.rssBytes;
		if (p.command === "workerd") workerdBytes += p.rssBytes;
	}
	return { totalBytes, workerdBytes };
}

/** Sum of VmRSS over the descendants of `pid` (not `pid` itself); null without /proc. */
export function descendantsRssBytes(pid: number): number | null {
	const all = processes();
	if (all === null) return null;
	const inTree = new Set([pid]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const [child, p] of all) {
			if (!inTree.has(child) && inTree.has(p.ppid)) {
				inTree.add(child);
				grew = true;
			}
		}
	}
	let total = 0;
	for (const child of inTree) if (child !== pid) total += all.get(child)?.rssBytes ?? 0;
	return total;
}

function partOf(dir: string, file: string): DataPart {
	const segments = relative(dir, file).split(sep);
	const at = segments.indexOf("v3");
	const kind = at >= 0 ? segments[at + 1] : undefined;
	return kind === "do" || kind === "d1" || kind === "kv" ? kind : "other";
}

const JOURNAL = /-(wal|shm)$/;

export function diskUsage(dir: string): DiskUsage {
	const data: Record<DataPart, number> = { do: 0, d1: 0, kv: 0, other: 0 };
	let journalBytes = 0;
	let files = 0;
	const walk = (path: string) => {
		let entries: string[];
		try {
			entries = readdirSync(path);
		} catch {
			return;
		}
		for (const name of entries) {
			const full = join(path, name);
			try {
				const st = statSync(full);
				if (st.isDirectory()) {
					walk(full);
					continue;
				}
				const bytes = st.blocks * 512;
				files += 1;
				if (JOURNAL.test(name)) journalBytes += bytes;
				else data[partOf(dir, full)] += bytes;
			} catch {
				// Removed while walking (a journal closing).
			}
		}
	};
	walk(dir);
	const dataBytes = data.do + data.d1 + data.kv + data.other;
	return { totalBytes: dataBytes + journalBytes, journalBytes, data, dataBytes, files };
}
