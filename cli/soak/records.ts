// What the state directory holds at the end of a soak, counted in the
// databases themselves (read-only, node:sqlite, while the server still runs):
// per SKU object the Idempotency-Key records (and how many of them had ended
// but were not deleted yet), holds, checkouts and pending outbox rows; in D1
// the audit events. Disk sizes say that something grew; these say what.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface SkuRecords {
	sku: string;
	idempotency: number;
	/** Records whose window ended at least `graceMs` before the count, still stored: pruning lags. */
	idempotencyOverdue: number;
	holds: number;
	checkouts: number;
	outbox: number;
}

export interface StateRecords {
	skus: SkuRecords[];
	/** Rows of D1's `events` table (the audit trail: permanent by design). */
	events: number | null;
	/** Files that could not be read, with the reason. */
	unreadable: string[];
}

const sqliteFiles = (dir: string): string[] => {
	try {
		return readdirSync(dir)
			.filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")
			.map((name) => join(dir, name));
	} catch {
		return [];
	}
};

const count = (db: DatabaseSync, sql: string, ...params: number[]): number =>
	Number((db.prepare(sql).get(...params) as { n: number | bigint }).n);

/** Counts the records under STATE_DIR at `nowMs` (scripts/runtime.ts layout: v3/do, v3/d1). */
export function countRecords(stateDir: string, nowMs: number, graceMs: number): StateRecords {
	const out: StateRecords = { skus: [], events: null, unreadable: [] };
	for (const file of sqliteFiles(join(stateDir, "v3", "do", "revenue-guard-InventoryObject"))) {
		try {
			const db = new DatabaseSync(file, { readOnly: true });
			try {
				const state = db.prepare("SELECT snapshot FROM state WHERE id = 1").get() as
					| { snapshot: string }
					| undefined;
				if (state === undefined) continue;
				const sku = (JSON.parse(state.snapshot) as { product: { sku: string } }).product.sku;
				out.skus.push({
					sku,
					idempotency: count(db, "SELECT COUNT(*) AS n FROM idempotency"),
					idempotencyOverdue: count(
						db,
						"SELECT COUNT(*) AS n FROM idempotency WHERE expires_at <= ?",
						nowMs - graceMs,
					),
					holds: count(db, "SELECT COUNT(*) AS n FROM holds"),
					checkouts: count(db, "SELECT COUNT(*) AS n FROM checkouts"),
					outbox: count(db, "SELECT COUNT(*) AS n FROM outbox"),
				});
			} finally {
				db.close();
			}
		} catch (error) {
			out.unreadable.push(`${file}: ${String(error)}`);
		}
	}
	for (const file of sqliteFiles(join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject"))) {
		try {
			const db = new DatabaseSync(file, { readOnly: true });
			try {
				out.events = (out.events ?? 0) + count(db, "SELECT COUNT(*) AS n FROM events");
			} finally {
				db.close();
			}
		} catch (error) {
			out.unreadable.push(`${file}: ${String(error)}`);
		}
	}
	out.skus.sort((a, b) => a.sku.localeCompare(b.sku));
	return out;
}
