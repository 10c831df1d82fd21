// The simulated provider's records (sim-store.ts) in a Durable Object's SQLite,
// table `payment_sim` (src/inventory/schema.ts): synchronous, so a record is written
// in the caller's transaction, and a restarted object still replays its earlier
// captures instead of charging again.

import type { SimRecord, SyncStore } from "./sim-store.ts";

export class SqlSimStore implements SyncStore<SimRecord> {
	constructor(private readonly sql: SqlStorage) {}

	get(key: string): SimRecord | undefined {
		const row = this.sql
			.exec<{ value: string }>("SELECT value FROM payment_sim WHERE key = ?", key)
			.toArray()[0];
		return row === undefined ? undefined : (JSON.parse(row.value) as SimRecord);
	}

	putNew(key: string, value: SimRecord, also?: { key: string; value: SimRecord }): boolean {
		if (also === undefined) {
			const cursor = this.sql.exec(
				"INSERT INTO payment_sim (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
				key,
				JSON.stringify(value),
			);
			return cursor.rowsWritten > 0;
		}
		// Both rows or neither, in one statement: none when `key` is taken. A record already under
		// `also.key` fails the statement (its primary key), which writes nothing either.
		const cursor = this.sql.exec(
			`INSERT INTO payment_sim (key, value) SELECT column1, column2 FROM (VALUES (?, ?), (?, ?))
				WHERE NOT EXISTS (SELECT 1 FROM payment_sim WHERE key = ?)`,
			key,
			JSON.stringify(value),
			also.key,
			JSON.stringify(also.value),
			key,
		);
		return cursor.rowsWritten > 0;
	}

	put(key: string, value: SimRecord): void {
		this.sql.exec(
			"INSERT OR REPLACE INTO payment_sim (key, value) VALUES (?, ?)",
			key,
			JSON.stringify(value),
		);
	}
}
