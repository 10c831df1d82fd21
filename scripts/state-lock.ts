// One server per STATE_DIR. Two servers on one state each load the same Durable Objects from the
// same SQLite files with their own memory of them: the second one's writes collide with the
// first's (a reserve answering 500) or, worse, commit on counters that are no longer true (a unit
// sold twice). `npm start`, `npm run dev` and the bench's servers take this lock before they open
// anything under STATE_DIR and hold it for their life.
//
// The lock is SQLite's own exclusive lock on STATE_DIR/server.lock (node:sqlite, `BEGIN
// EXCLUSIVE` kept open): a POSIX lock the kernel drops when the process ends, however it ends,
// so a server killed with `kill -9` leaves nothing that refuses the next start, where a pid file
// would have to guess whether its pid is still that server. Who holds it is written beside it
// (STATE_DIR/server.lock.json), only to name it in the refusal.
// docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** The file whose lock is held (an empty SQLite database: nothing is ever written to it). */
export const STATE_LOCK_FILE = "server.lock";
/** Who holds it, for the refusal's words. */
const HOLDER_FILE = "server.lock.json";

export type StateLock = { release(): void };

/**
 * The open lock connections of this process. Kept here so a caller that drops its StateLock
 * does not lose the lock with it: a collected connection is closed, and its lock with it.
 */
const held = new Set<DatabaseSync>();

type Holder = { pid: number; command: string; since: string };

/** The start refused: another live process holds STATE_DIR. One line, for the user. */
export class StateDirInUse extends Error {
	override name = "StateDirInUse";
}

function readHolder(stateDir: string): Holder | null {
	try {
		const holder = JSON.parse(readFileSync(join(stateDir, HOLDER_FILE), "utf8")) as Holder;
		return typeof holder.pid === "number" ? holder : null;
	} catch {
		return null;
	}
}

/** Whether `pid` is a live process (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}

/**
 * Takes STATE_DIR for this process (`command` names it to a refused start: "npm start"), or
 * throws StateDirInUse naming the holder. Never waits: a second server is refused at once.
 */
export function lockStateDir(stateDir: string, command: string): StateLock {
	const db = new DatabaseSync(join(stateDir, STATE_LOCK_FILE), { timeout: 0 });
	try {
		db.exec("BEGIN EXCLUSIVE");
	} catch (error) {
		db.close();
		if (!/locked|busy/i.test(error instanceof Error ? error.message : String(error))) throw error;
		// The record may be a dead holder's, read before the live one wrote its own.
		const holder = readHolder(stateDir);
		const who =
			holder === null || !alive(holder.pid)
				? "another process"
				: `${holder.command}, pid ${holder.pid}, since ${holder.since}`;
		throw new StateDirInUse(
			`STATE_DIR ${stateDir} is in use by another server (${who}); stop it, or set STATE_DIR to another directory.`,
		);
	}
	const holder: Holder = { pid: process.pid, command, since: new Date().toISOString() };
	writeFileSync(join(stateDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`);
	held.add(db);
	return {
		release() {
			if (!held.delete(db)) return;
			// Only the holder's own record: a later holder's is never removed by this one.
			if (readHolder(stateDir)?.pid === process.pid)
				rmSync(join(stateDir, HOLDER_FILE), { force: true });
			db.exec("ROLLBACK");
			db.close();
		},
	};
}
