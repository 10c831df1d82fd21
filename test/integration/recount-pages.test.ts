// A shard's recount of first holds after a restart, on real object storage
// (src/inventory/records.ts heldPage; docs/decisions/080-split-sku-limit-and-paged-recount.md):
// read a page at a time through the index holds_by_created, which only the shards of a split
// SKU carry, and which migration 7 adds to a shard written before it (a state directory of
// the previous release keeps working).

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_ADMIT_SECONDS } from "../../src/domain/waiting-room-records.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { HELD_PAGE_SQL, heldFrom, heldPage } from "../../src/inventory/records.ts";
import { INVENTORY_MIGRATIONS } from "../../src/inventory/schema.ts";
import { MIGRATIONS_TABLE, schemaVersion } from "../../src/storage/do-migrations.ts";
import { stats } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import { createSharded } from "./shards-support.ts";

const holdIndexes = (sql: SqlStorage) =>
	sql
		.exec<{ name: string }>(
			"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'holds' ORDER BY name",
		)
		.toArray()
		.map((r) => r.name);

/** `n` hold rows written straight into the shard's table, `stepMs` apart from `fromMs`. */
function writeHolds(sql: SqlStorage, n: number, fromMs: number, stepMs: number): void {
	for (let i = 0; i < n; i++) {
		const at = fromMs + Math.floor(i * stepMs);
		sql.exec(
			`INSERT INTO holds (id, session_id, quantity, status, created_at, expires_at)
			 VALUES (?, ?, 1, 'EXPIRED', ?, ?)`,
			`rsv_${crypto.randomUUID()}`,
			`ses_${i % 40}`,
			at,
			at + 1000,
		);
	}
}

describe("a shard's recount of its holds", { timeout: 60_000 }, () => {
	it("reads every hold of the window once, a bounded page at a time, through holds_by_created", async () => {
		const sku = await createSharded(6, 3, 1);
		await stats(sku); // every shard's first grant delivered: its object exists
		await runInDurableObject(shardStub(sku, 0), (_: InventoryObject, state) => {
			// The coordinator never recounts: no index, no extra insert per hold.
			expect(holdIndexes(state.storage.sql)).not.toContain("holds_by_created");
		});
		await runInDurableObject(shardStub(sku, 1), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			expect(holdIndexes(sql)).toContain("holds_by_created");
			const now = Date.now();
			const windowMs = MAX_ADMIT_SECONDS * 1000;
			// 10 holds before the window, 95 in it (several in one millisecond), 5 after its end.
			writeHolds(sql, 10, now - windowMs - 10_000, 100);
			writeHolds(sql, 95, now - windowMs + 1, 0.5);
			writeHolds(sql, 5, now + 1, 1);
			const expected = new Set(
				sql
					.exec<{ id: string }>(
						"SELECT id FROM holds WHERE created_at >= ? AND created_at <= ?",
						now - windowMs,
						now,
					)
					.toArray()
					.map((r) => r.id),
			);
			expect(expected.size).toBe(95);
			let cursor: ReturnType<typeof heldFrom> | null = heldFrom(now - windowMs, now);
			const seen: [string, number][] = [];
			let pages = 0;
			while (cursor !== null) {
				const page = heldPage(sql, cursor, 10);
				expect(page.held.length).toBeLessThanOrEqual(10);
				seen.push(...page.held);
				cursor = page.next;
				pages += 1;
				expect(pages).toBeLessThanOrEqual(11);
			}
			// Every session of the window, each with its latest hold's time.
			const latest = new Map<string, number>();
			for (const [s, at] of seen) latest.set(s, Math.max(latest.get(s) ?? at, at));
			const truth = sql
				.exec<{ session_id: string; at: number }>(
					"SELECT session_id, MAX(created_at) AS at FROM holds WHERE created_at >= ? AND created_at <= ? GROUP BY session_id",
					now - windowMs,
					now,
				)
				.toArray();
			expect(Object.fromEntries(latest)).toEqual(
				Object.fromEntries(truth.map((r) => [r.session_id, r.at])),
			);
			// A range read of the index, not a scan of every hold.
			const plan = sql
				.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${HELD_PAGE_SQL}`, 0, 0, 0, 10)
				.toArray()
				.map((r) => r.detail)
				.join("; ");
			expect(plan).toMatch(/SEARCH holds USING (COVERING )?INDEX holds_by_created/);
			expect(plan).not.toMatch(/SCAN holds/);
			expect(plan).not.toMatch(/TEMP B-TREE/);
		});
	});

	it("migration 7 adds the index to a shard written before it, and the SKU keeps selling", async () => {
		const sku = await createSharded(6, 3, 1);
		await stats(sku);
		// The shard as the release before migration 7 left it: version 6, no index (nor the
		// hold price columns of migration 8, the keyed resets' table of migration 9, migration
		// 10's index by status and expiry, migration 11's table of readers, nor migration 12's
		// columns of the room's tickets).
		await runInDurableObject(shardStub(sku, 2), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			sql.exec("DROP INDEX holds_by_created");
			sql.exec("ALTER TABLE holds DROP COLUMN price_cents");
			sql.exec("ALTER TABLE holds DROP COLUMN currency");
			sql.exec("DROP TABLE reset_keys");
			sql.exec("DROP TABLE readers");
			sql.exec("ALTER TABLE room_tickets DROP COLUMN client_key");
			sql.exec("ALTER TABLE room_tickets DROP COLUMN unread");
			// Migration 10's index back to version 6's (src/inventory/schema.ts migration 5).
			sql.exec("DROP INDEX holds_by_status_expiry");
			sql.exec(
				"CREATE INDEX holds_active ON holds (status) WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')",
			);
			sql.exec(`DELETE FROM ${MIGRATIONS_TABLE} WHERE version >= 7`);
			expect(schemaVersion(sql)).toBe(6);
		});
		await evictDurableObject(shardStub(sku, 2));
		await runInDurableObject(shardStub(sku, 2), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			expect(schemaVersion(sql)).toBe(INVENTORY_MIGRATIONS.length);
			expect(holdIndexes(sql)).toContain("holds_by_created");
			expect(holdIndexes(sql)).toContain("holds_by_status_expiry");
			expect(holdIndexes(sql)).not.toContain("holds_active");
		});
		// The coordinator at the latest version without it, and the whole SKU still answers.
		await runInDurableObject(shardStub(sku, 0), (_: InventoryObject, state) => {
			expect(schemaVersion(state.storage.sql)).toBe(INVENTORY_MIGRATIONS.length);
			expect(holdIndexes(state.storage.sql)).not.toContain("holds_by_created");
		});
		expect(await stats(sku)).toMatchObject({ total: 6, available: 6, oversellCount: 0 });
	});
});
