// The local D1 database and KV namespace of an `npm start` server, as files:
// read D1 directly (no request reaches the server, so none can wake an object),
// and make their writes fail for real by holding SQLite's write lock from this
// process — what a D1 or KV outage looks like from inside workerd (its writes
// answer SQLITE_BUSY at once; reads keep working, the files being in WAL mode).
//
// Paths follow Miniflare's persistence layout under STATE_DIR (scripts/runtime.ts):
// v3/d1/miniflare-D1DatabaseObject/<id>.sqlite, v3/kv/miniflare-KVNamespaceObject/<id>.sqlite.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sleep } from "../../src/shared/sleep.ts";

/** Attempts at taking the lock while workerd is itself writing (each failure is SQLITE_BUSY). */
const LOCK_ATTEMPTS = 200;
const LOCK_RETRY_MS = 25;

function databaseIn(dir: string, what: string): string {
	const files = existsSync(dir)
		? readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
		: [];
	if (files.length !== 1 || files[0] === undefined)
		throw new Error(`expected one ${what} database in ${dir}, found ${files.length}`);
	return join(dir, files[0]);
}

export function d1File(stateDir: string): string {
	return databaseIn(join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject"), "D1");
}

/** Exists once the server stored its first key (a session). */
export function kvFile(stateDir: string): string {
	return databaseIn(join(stateDir, "v3", "kv", "miniflare-KVNamespaceObject"), "KV");
}

/** Durable Object SQLite files of one class (one per object that was ever instantiated). */
export function objectFiles(stateDir: string, className: string): string[] {
	const dir = join(stateDir, "v3", "do", `revenue-guard-${className}`);
	if (!existsSync(dir)) return [];
	return readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
}

/** A read-only connection: sees every committed write, takes no write lock. */
export function readOnly(path: string): DatabaseSync {
	return new DatabaseSync(path, { readOnly: true });
}

export interface WriteLock {
	release(): void;
}

/** Holds the database's write lock until released: every write by anyone else fails meanwhile. */
export async function holdWriteLock(path: string): Promise<WriteLock> {
	const db = new DatabaseSync(path);
	db.exec("PRAGMA busy_timeout = 0");
	for (let attempt = 1; ; attempt++) {
		try {
			db.exec("BEGIN EXCLUSIVE");
			break;
		} catch (error) {
			if (attempt >= LOCK_ATTEMPTS) {
				db.close();
				throw error;
			}
			await sleep(LOCK_RETRY_MS);
		}
	}
	return {
		release() {
			db.exec("ROLLBACK");
			db.close();
		},
	};
}

/** `reservation.created` events per reservation id of a SKU, read straight from D1's file. */
export function createdEvents(db: DatabaseSync, sku: string): Map<string, number> {
	const rows = db
		.prepare(
			"SELECT reservation_id AS id, COUNT(*) AS n FROM events WHERE sku = ? AND type = 'reservation.created' GROUP BY reservation_id",
		)
		.all(sku) as { id: string; n: number }[];
	return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/** The SKU's event sequence numbers in D1, ascending. */
export function eventSeqs(db: DatabaseSync, sku: string): number[] {
	const rows = db.prepare("SELECT seq FROM events WHERE sku = ? ORDER BY seq").all(sku) as {
		seq: number;
	}[];
	return rows.map((r) => Number(r.seq));
}
