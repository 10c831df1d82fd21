// Ended holds (docs/decisions/088-ended-holds-and-replays.md):
// - the counts of units held and sold read only the live and paid holds' index entries, however
//   many ended holds the object keeps (rows read and query plans, not time);
// - the alarm deletes ended holds once nothing may ask for them, and keeps the rest.
// Time is moved by writing rows' times in storage: no test waits.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	DEFAULT_SESSION_TTL_SECONDS,
	IDEMPOTENCY_PRUNE_SLACK_MS,
} from "../../src/domain/bounds.ts";
import { shardName } from "../../src/domain/escrow.ts";
import { endedHoldKeptMs } from "../../src/domain/hold-retention.ts";
import { PRUNE_ENDED_SQL } from "../../src/inventory/ended-holds.ts";
import { UNITS_BY_SESSION_SQL } from "../../src/inventory/fairness.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { UNITS_SQL } from "../../src/inventory/records.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { call, createProduct, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { type Buyer, createSharded, newBuyer, newShardBuyer, reserve } from "./shards-support.ts";

/** wrangler.jsonc's SESSION_TTL_SECONDS, which the tests run with. */
const KEPT_MS = endedHoldKeptMs({ holdMarginMs: DEFAULT_SESSION_TTL_SECONDS * 1000 });
const HOLD_SECONDS = 30;

/** A SKU in one object, or split across two shards with the buyer's shard named. */
async function skuAndBuyer(shards: 1 | 2): Promise<{ sku: string; buyer: Buyer; object: string }> {
	if (shards === 1) {
		const sku = await createProduct({ totalStock: 10, holdSeconds: HOLD_SECONDS, perUserLimit: 5 });
		return { sku, buyer: await newBuyer(), object: sku };
	}
	const sku = await createSharded(10, 2, 5, HOLD_SECONDS);
	const buyer = await newShardBuyer(2);
	return { sku, buyer, object: buyer.shard === 0 ? sku : shardName(sku, buyer.shard) };
}

/** Rows for `holds`: `n` ended holds of one session, expired at `expiresAtMs`. */
function seedEnded(
	sql: SqlStorage,
	n: number,
	expiresAtMs: number,
	status = "EXPIRED",
	prefix = crypto.randomUUID(),
): void {
	for (let i = 0; i < n; i += 1) {
		sql.exec(
			`INSERT INTO holds (id, session_id, quantity, status, created_at, expires_at)
			 VALUES (?, ?, 1, ?, ?, ?)`,
			`rsv_${prefix}_${i}`,
			`seeded-${i % 50}`,
			status,
			expiresAtMs - HOLD_SECONDS * 1000,
			expiresAtMs,
		);
	}
}

/** Rows a statement read, as the object's SQLite counts them (what Cloudflare bills). */
function rowsRead(sql: SqlStorage, query: string): number {
	const cursor = sql.exec(query);
	cursor.toArray();
	return cursor.rowsRead;
}

describe("counts of units held and sold do not visit ended holds", () => {
	it("stats read the live and paid entries only, through the covering index (5,000 ended rows)", async () => {
		const sku = await createProduct({ totalStock: 10, holdSeconds: HOLD_SECONDS });
		const buyer = await newBuyer();
		expect((await reserve(buyer, sku)).status).toBe(201);
		expect((await reserve(buyer, sku)).status).toBe(201);
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			seedEnded(sql, 2_500, Date.now() - 1_000, "EXPIRED");
			seedEnded(sql, 2_500, Date.now() - 1_000, "CANCELLED");
			const plan = (query: string) =>
				sql
					.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`)
					.toArray()
					.map((r) => r.detail)
					.join("; ");
			expect(plan(UNITS_SQL)).toMatch(/USING COVERING INDEX holds_by_status_expiry/);
			expect(plan(UNITS_SQL)).not.toMatch(/SCAN holds(;|$)/);
			expect(plan(UNITS_BY_SESSION_SQL)).toMatch(/USING INDEX holds_by_status_expiry/);
			expect(plan(UNITS_BY_SESSION_SQL)).not.toMatch(/SCAN holds(;|$)/);
			// Two live holds: a few entries read, not the 5,000 ended rows.
			expect(rowsRead(sql, UNITS_SQL)).toBeLessThan(20);
			expect(rowsRead(sql, UNITS_BY_SESSION_SQL)).toBeLessThan(20);
			// The pruning reads the ended holds of one status by expiry.
			const prune = sql
				.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${PRUNE_ENDED_SQL}`, "EXPIRED", 0, 10)
				.toArray()
				.map((r) => r.detail)
				.join("; ");
			expect(prune).toMatch(/USING (COVERING )?INDEX holds_by_status_expiry/);
		});
		const s = await stats(sku);
		expect(s).toMatchObject({ reserved: 2, sold: 0, available: 8 });
	});
});

describe("the alarm deletes ended holds once nothing may ask for them", () => {
	for (const shards of [1, 2] as const) {
		it(`old ended holds go; young ended, live and paid ones stay (${shards === 1 ? "one object" : "2 shards"})`, async () => {
			const { sku, buyer, object } = await skuAndBuyer(shards);
			const live = await reserve(buyer, sku);
			expect(live.status).toBe(201);
			const before = await stats(sku);
			const now = Date.now();
			await runInDurableObject(stubOf(object), async (_: InventoryObject, state) => {
				const sql = state.storage.sql;
				// Past the window, of each ended status; a paid hold as old; one ended hold younger.
				seedEnded(sql, 700, now - KEPT_MS - 1, "EXPIRED", "old-x");
				seedEnded(sql, 700, now - KEPT_MS - 1, "CANCELLED", "old-c");
				seedEnded(sql, 3, now - KEPT_MS - 1, "PAYMENT_FAILED", "old-f");
				seedEnded(sql, 2, now - KEPT_MS - 1, "PAID", "old-p");
				seedEnded(sql, 5, now - KEPT_MS + 60_000, "EXPIRED", "young");
				await state.storage.setAlarm(Date.now());
			});
			// One run deletes up to a batch per status; a backlog brings the next run at once.
			for (let i = 0; i < 3; i += 1) await runDurableObjectAlarm(stubOf(object));
			await runInDurableObject(stubOf(object), async (_: InventoryObject, state) => {
				const sql = state.storage.sql;
				const left = sql
					.exec<{ id: string; status: string }>("SELECT id, status FROM holds ORDER BY id")
					.toArray();
				expect(left.filter((r) => r.id.includes("old-x") || r.id.includes("old-c"))).toEqual([]);
				expect(left.filter((r) => r.id.includes("old-f"))).toEqual([]);
				expect(left.filter((r) => r.id.includes("old-p")).length).toBe(2);
				expect(left.filter((r) => r.id.includes("young")).length).toBe(5);
				expect(left.some((r) => r.id === live.body.data?.reservationId)).toBe(true);
				// The young ones' turn is planned: the alarm is set no later than their window's end.
				const alarm = await state.storage.getAlarm();
				expect(alarm).not.toBeNull();
				expect(alarm ?? Infinity).toBeLessThanOrEqual(now + 60_000 + IDEMPOTENCY_PRUNE_SLACK_MS);
			});
			// The live hold is still the owner's to read; the counts did not move.
			const read = await call<Reservation>(
				"GET",
				`/api/reservations/${live.body.data?.reservationId}`,
				{
					token: buyer.token,
				},
			);
			expect(read.body.data?.status).toBe("RESERVED");
			const after = await stats(sku);
			expect(after.reserved).toBe(before.reserved);
			expect(after.sold).toBe(before.sold + 2);
		});
	}

	it("a cancelled hold's row is kept for its window, and the alarm is planned for its end", async () => {
		const { sku, buyer, object } = await skuAndBuyer(1);
		const hold = (await reserve(buyer, sku)).body.data as Reservation;
		const cancelled = await call("DELETE", `/api/reservations/${hold.reservationId}`, {
			token: buyer.token,
		});
		expect(cancelled.status).toBe(200);
		// The outbox's alarm first; after it, the next deadline is the cancelled hold's pruning.
		await runDurableObjectAlarm(stubOf(object));
		const pruneAt = Date.parse(hold.expiresAt) + KEPT_MS + IDEMPOTENCY_PRUNE_SLACK_MS;
		await runInDurableObject(stubOf(object), async (_: InventoryObject, state) => {
			expect(await state.storage.getAlarm()).toBe(pruneAt);
		});
		// Within its window the owner still reads it as it ended.
		const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token: buyer.token,
		});
		expect(read.body.data?.status).toBe("CANCELLED");
		// Once its window ended, the alarm deletes it.
		await runInDurableObject(stubOf(object), (_: InventoryObject, state) => {
			state.storage.sql.exec(
				"UPDATE holds SET expires_at = ? WHERE id = ?",
				Date.now() - KEPT_MS - 1,
				hold.reservationId,
			);
		});
		await runInDurableObject(stubOf(object), (_: InventoryObject, state) =>
			state.storage.setAlarm(Date.now()),
		);
		await runDurableObjectAlarm(stubOf(object));
		await runInDurableObject(stubOf(object), (_: InventoryObject, state) => {
			expect(
				state.storage.sql.exec("SELECT 1 FROM holds WHERE id = ?", hold.reservationId).toArray(),
			).toEqual([]);
		});
	});
});
