// A demo sandbox's end (docs/decisions/163-a-sandbox-bounded.md): the session that owns it
// arms it with each POST /api/demo/sandbox, for when that session (and its grace) ends. Then the
// object resets the sandbox as its owner's reset does (unpaid holds, counters, eventual mode's
// allocations; paid orders stay, decision 001) and, once the reset is in D1, deletes the SKU's
// audit trail and eventual-mode rows there. The product itself stays, empty: a session still
// using it after its end finds a fresh 100 units, never a 404.
//
// Stored with the storage's key-value calls (no table, no schema migration): one number, and
// whether the reset was already made, so a restart or a D1 outage repeats only what is left.

import { OUTBOX_RETRY_MAX_MS } from "../domain/bounds.ts";

const KEY = "sandbox_end";

interface Stored {
	atMs: number;
	/** The reset is made and in the outbox: only the D1 rows are left to delete. */
	reset: boolean;
}

export interface SandboxEndHost {
	storage: Pick<DurableObjectStorage, "get" | "put" | "delete">;
	/** Moves the object's one alarm earlier (inventory/deadlines.ts scheduleAlarm). */
	scheduleAlarm(atMs: number): void;
	/** The sandbox's SKU; null once the object holds no product. */
	sku(): string | null;
	/** Resets the sandbox as its owner's reset does. */
	reset(): Promise<void>;
	/** Copies the outbox to D1 now; false when D1 failed (the outbox retries on its own). */
	flush(): Promise<boolean>;
	db: D1Database;
}

/** The sandbox's D1 rows its end deletes: its audit trail and eventual mode's bookkeeping. */
const END_STATEMENTS = [
	"DELETE FROM events WHERE sku = ?",
	"DELETE FROM eventual_allocations WHERE sku = ?",
	"DELETE FROM eventual_stock WHERE sku = ?",
];

export class SandboxEnd {
	/** Undefined until read from storage, null when none is armed. */
	private stored: Stored | null | undefined;

	constructor(private readonly host: SandboxEndHost) {}

	/** Arms (or moves) the end; a later call replaces an earlier one, as its session renewed. */
	async endAt(atMs: number): Promise<void> {
		this.stored = { atMs, reset: false };
		await this.host.storage.put(KEY, this.stored);
		this.host.scheduleAlarm(atMs);
	}

	/** When the end is armed for (null: none), for the stats of a test or an operator. */
	async endsAtMs(): Promise<number | null> {
		return (await this.load())?.atMs ?? null;
	}

	/** From every alarm run of a sandbox's object: ends it when due, else keeps its alarm set. */
	async afterAlarm(nowMs: number): Promise<void> {
		const stored = await this.load();
		if (stored === null) return;
		if (nowMs < stored.atMs) {
			this.host.scheduleAlarm(stored.atMs);
			return;
		}
		const sku = this.host.sku();
		if (sku === null) return this.clear();
		if (!stored.reset) {
			await this.host.reset();
			this.stored = { ...stored, reset: true };
			await this.host.storage.put(KEY, this.stored);
		}
		// The reset's own event and projection first, so the deletes below are the last word.
		if (!(await this.host.flush())) return this.retry(nowMs);
		try {
			const db = this.host.db;
			await db.batch(END_STATEMENTS.map((sql) => db.prepare(sql).bind(sku)));
		} catch (error) {
			console.warn("a sandbox's D1 rows were not deleted; retried", String(error));
			return this.retry(nowMs);
		}
		return this.clear();
	}

	private retry(nowMs: number): void {
		this.host.scheduleAlarm(nowMs + OUTBOX_RETRY_MAX_MS);
	}

	private async clear(): Promise<void> {
		this.stored = null;
		await this.host.storage.delete(KEY);
	}

	private async load(): Promise<Stored | null> {
		if (this.stored === undefined) this.stored = (await this.host.storage.get<Stored>(KEY)) ?? null;
		return this.stored;
	}
}
