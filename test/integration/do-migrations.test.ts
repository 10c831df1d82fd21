// Numbered migrations for Durable Object SQLite (src/storage/do-migrations.ts),
// inside workerd on real object storage: applied in order in one transaction,
// recorded, idempotent, refused on a database newer than the code, and able to
// adopt the databases that the code before versions wrote (legacy-schemas.ts):
// a state directory from the previous release keeps working.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { UNSETTLED_SQL } from "../../src/inventory/checkout-store.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { UNITS_SQL } from "../../src/inventory/records.ts";
import { INVENTORY_MIGRATIONS } from "../../src/inventory/schema.ts";
import { LIMITER_MIGRATIONS, type RateLimiterObject } from "../../src/ratelimit/limiter-object.ts";
import type { Reservation } from "../../src/shared/types.ts";
import {
	checkMigrations,
	MIGRATIONS_TABLE,
	type Migration,
	migrate,
	SCHEMA_TOO_NEW,
	SchemaTooNewError,
	schemaVersion,
} from "../../src/storage/do-migrations.ts";
import { type CostLedgerObject, LEDGER_MIGRATIONS } from "../../src/worker/cost/ledger-object.ts";
import { RESET_KEYS_MIGRATIONS } from "../../src/worker/reset-keys-object.ts";
import { ADMIN, call, createProduct, uniqueSku } from "./helpers.ts";
import {
	LEGACY_INVENTORY_SCHEMA,
	LEGACY_LEDGER_SCHEMA,
	LEGACY_LIMITER_SCHEMA,
} from "./legacy-schemas.ts";

/** An object of a name never used: an InventoryObject for an unknown SKU writes nothing, so its storage is empty. */
const emptyObject = () => env.INVENTORY.get(env.INVENTORY.idFromName(uniqueSku("MIG")));
const inventoryStub = (sku: string) => env.INVENTORY.get(env.INVENTORY.idFromName(sku));

const THREE: Migration[] = [
	{ version: 1, name: "a", up: ["CREATE TABLE a (x INTEGER)"] },
	{ version: 2, name: "b", up: ["CREATE TABLE b (y TEXT)", "INSERT INTO b (y) VALUES ('seed')"] },
	{
		version: 3,
		name: "a.z",
		up: (sql, { nowMs }) => {
			sql.exec("ALTER TABLE a ADD COLUMN z INTEGER NOT NULL DEFAULT 0");
			sql.exec("INSERT INTO a (x, z) VALUES (1, ?)", nowMs);
		},
	},
];

type Recorded = { version: number; name: string; applied_at: number };
const recorded = (sql: SqlStorage) =>
	sql.exec<Recorded>(`SELECT * FROM ${MIGRATIONS_TABLE} ORDER BY version`).toArray();
const tables = (sql: SqlStorage) =>
	sql
		.exec<{ name: string }>(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
		)
		.toArray()
		.map((r) => r.name);

describe("the migration runner", () => {
	it("applies every migration of an empty database in order and records each", async () => {
		await runInDurableObject(emptyObject(), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			expect(schemaVersion(sql)).toBe(0);
			const report = migrate(state.storage, THREE, "Test", 1234);
			expect(report).toEqual({ from: 0, to: 3, applied: [1, 2, 3] });
			expect(recorded(sql)).toEqual([
				{ version: 1, name: "a", applied_at: 1234 },
				{ version: 2, name: "b", applied_at: 1234 },
				{ version: 3, name: "a.z", applied_at: 1234 },
			]);
			expect(sql.exec("SELECT x, z FROM a").toArray()).toEqual([{ x: 1, z: 1234 }]);
			expect(schemaVersion(sql)).toBe(3);
		});
	});

	it("is idempotent: a second run applies nothing and changes nothing", async () => {
		await runInDurableObject(emptyObject(), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			migrate(state.storage, THREE, "Test", 1);
			const again = migrate(state.storage, THREE, "Test", 2);
			expect(again).toEqual({ from: 3, to: 3, applied: [] });
			expect(recorded(sql).map((r) => r.applied_at)).toEqual([1, 1, 1]);
			expect(sql.exec("SELECT COUNT(*) AS n FROM b").one().n).toBe(1);
		});
	});

	it("applies only what a database lacks, from where it stands", async () => {
		await runInDurableObject(emptyObject(), (_: InventoryObject, state) => {
			expect(migrate(state.storage, THREE.slice(0, 1), "Test", 1).applied).toEqual([1]);
			const report = migrate(state.storage, THREE, "Test", 2);
			expect(report).toEqual({ from: 1, to: 3, applied: [2, 3] });
			expect(recorded(state.storage.sql).map((r) => [r.version, r.applied_at])).toEqual([
				[1, 1],
				[2, 2],
				[3, 2],
			]);
		});
	});

	it("refuses a database recorded at a newer version than the code knows, and changes nothing", async () => {
		await runInDurableObject(emptyObject(), (_: InventoryObject, state) => {
			migrate(state.storage, THREE, "Test", 1);
			let error: unknown;
			try {
				migrate(state.storage, THREE.slice(0, 2), "OlderCode", 2);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(SchemaTooNewError);
			expect(String(error)).toContain(SCHEMA_TOO_NEW);
			expect(String(error)).toContain("OlderCode");
			expect(error).toMatchObject({ recorded: 3, known: 2 });
			expect(recorded(state.storage.sql)).toHaveLength(3);
		});
	});

	it("runs one transaction: a migration that fails leaves the database as it was", async () => {
		await runInDurableObject(emptyObject(), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			migrate(state.storage, THREE.slice(0, 1), "Test", 1);
			const broken: Migration[] = [
				...THREE.slice(0, 2),
				{
					version: 3,
					name: "broken",
					up: ["CREATE TABLE c (x)", "INSERT INTO nowhere VALUES (1)"],
				},
			];
			expect(() => migrate(state.storage, broken, "Test", 2)).toThrow(/nowhere/);
			// Neither migration 2 nor the first half of 3 stayed, and no version was recorded.
			expect(tables(sql)).toEqual(["a"]);
			expect(schemaVersion(sql)).toBe(1);
			// The fixed list then applies cleanly.
			expect(migrate(state.storage, THREE, "Test", 3).applied).toEqual([2, 3]);
		});
	});

	it("refuses a list that is not numbered 1..N in order", () => {
		expect(() => checkMigrations([THREE[1] as Migration])).toThrow(/versions must be 1..N/);
		expect(() => checkMigrations([THREE[0] as Migration, THREE[2] as Migration])).toThrow(
			/versions must be 1..N/,
		);
		for (const list of [
			INVENTORY_MIGRATIONS,
			LIMITER_MIGRATIONS,
			LEDGER_MIGRATIONS,
			RESET_KEYS_MIGRATIONS,
		]) {
			expect(() => checkMigrations(list)).not.toThrow();
		}
	});
});

describe("a SKU database from before schema versions", () => {
	/**
	 * Builds what the previous release left on disk: the SKU's real rows (a
	 * product, a hold taken with an Idempotency-Key, a keyed sold-out answer),
	 * rewritten into that release's schema with no `_migrations` table. `keepHold`: the hold is
	 * left active instead of cancelled.
	 */
	async function legacySku({ keepHold = false } = {}): Promise<{
		sku: string;
		holder: { token: string; sessionId: string };
		other: { token: string; sessionId: string };
		hold: Reservation;
	}> {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 1 });
		const holder = await session();
		const other = await session();
		const hold = await call<Reservation>("POST", "/api/reservations", {
			token: holder.token,
			headers: { "Idempotency-Key": "k-hold" },
			body: { sku },
		});
		expect(hold.status).toBe(201);
		const soldOut = await call("POST", "/api/reservations", {
			token: other.token,
			headers: { "Idempotency-Key": "k-sold-out" },
			body: { sku },
		});
		expect(soldOut.body.error?.code).toBe("sold_out");
		// The hold is cancelled: a unit is free again, so a replayed sold-out must come from the record.
		if (!keepHold) {
			const cancelled = await call("DELETE", `/api/reservations/${hold.body.data?.reservationId}`, {
				token: holder.token,
			});
			expect(cancelled.status).toBe(200);
		}

		await runInDurableObject(inventoryStub(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			const keep = {
				state: sql.exec("SELECT * FROM state").toArray(),
				// The columns that release had (migration 8 added the hold's price).
				holds: sql
					.exec(
						`SELECT id, session_id, quantity, status, created_at, expires_at, idem_key, order_id,
						 payment_deadline FROM holds`,
					)
					.toArray(),
				idempotency: sql.exec("SELECT session_id, key, outcome FROM idempotency").toArray(),
			};
			for (const { name } of sql
				.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
				.toArray()) {
				if (!name.startsWith("sqlite_") && !name.startsWith("_cf_")) sql.exec(`DROP TABLE ${name}`);
			}
			for (const statement of LEGACY_INVENTORY_SCHEMA) sql.exec(statement);
			for (const [table, rows] of Object.entries(keep)) {
				for (const row of rows) {
					const columns = Object.keys(row);
					sql.exec(
						`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
						...Object.values(row),
					);
				}
			}
			expect(schemaVersion(sql)).toBe(0);
		});
		// The next call constructs the object afresh from that database, like a restart.
		await evictDurableObject(inventoryStub(sku));
		return { sku, holder, other, hold: hold.body.data as Reservation };
	}

	it("is adopted: loads, records every version, and keeps its holds, counters and replays", async () => {
		const before = Date.now();
		const { sku, holder, other, hold } = await legacySku();
		const product = await call<{ availability: { available: number; reserved: number } }>(
			"GET",
			`/api/products/${sku}`,
		);
		expect(product.status).toBe(200);
		expect(product.body.data?.availability).toMatchObject({ available: 1, reserved: 0 });

		// Both keys answer what they answered under the previous release.
		const replayHold = await call<Reservation>("POST", "/api/reservations", {
			token: holder.token,
			headers: { "Idempotency-Key": "k-hold" },
			body: { sku },
		});
		expect(replayHold.status).toBe(201);
		expect(replayHold.body.data?.reservationId).toBe(hold.reservationId);
		const replaySoldOut = await call("POST", "/api/reservations", {
			token: other.token,
			headers: { "Idempotency-Key": "k-sold-out" },
			body: { sku },
		});
		expect(replaySoldOut.status).toBe(409);
		expect(replaySoldOut.body.error?.code).toBe("sold_out");
		const after = Date.now();

		await runInDurableObject(inventoryStub(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			// Every version up to this code's last (inventory/schema.ts).
			expect(recorded(sql).map((r) => r.version)).toEqual(
				INVENTORY_MIGRATIONS.map((m) => m.version),
			);
			const rows = sql
				.exec<{ session_id: string; key: string; expires_at: number }>(
					"SELECT session_id, key, expires_at FROM idempotency",
				)
				.toArray();
			const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
			// Kept records get the windows of docs/decisions/009-idempotency-window.md.
			expect(byKey["k-hold"]?.expires_at).toBe(Date.parse(hold.expiresAt) + 1200 * 1000);
			expect(byKey["k-sold-out"]?.expires_at).toBeGreaterThanOrEqual(before + 300 * 1000);
			expect(byKey["k-sold-out"]?.expires_at).toBeLessThanOrEqual(after + 300 * 1000);
			expect(byKey["k-hold"]?.session_id).toBe(holder.sessionId);
			// Migrations 5 and 10: the holds keep their rows; one index by status and expiry replaces
			// the indexes by status and by session (and migration 5's partial index of the active holds).
			expect(
				sql
					.exec<{ status: string }>("SELECT status FROM holds WHERE id = ?", hold.reservationId)
					.one().status,
			).toBe("CANCELLED");
			expect(
				sql
					.exec<{ name: string }>(
						"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'holds' ORDER BY name",
					)
					.toArray()
					.map((r) => r.name),
			).toEqual(["holds_by_status_expiry", "sqlite_autoindex_holds_1"]);
			const plan = (query: string, ...params: string[]) =>
				sql
					.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...params)
					.toArray()
					.map((r) => r.detail)
					.join("; ");
			// What the object looks up: a hold by id (replays, cancels, checkout), the active holds on load.
			expect(plan("SELECT * FROM holds WHERE id = ?", "x")).toMatch(
				/USING INDEX sqlite_autoindex_holds_1/,
			);
			expect(plan("SELECT * FROM holds WHERE status IN ('RESERVED', 'CHECKOUT_PENDING')")).toMatch(
				/USING INDEX holds_by_status_expiry/,
			);
			// Migration 10: the counts of units held and sold read the index alone.
			expect(plan(UNITS_SQL)).toMatch(/USING COVERING INDEX holds_by_status_expiry/);
			// Migration 6: the alarm's read of the unsettled sagas uses their partial index, not a
			// scan of every saga row.
			const unsettled = plan(UNSETTLED_SQL, "5");
			expect(unsettled).toMatch(/(SEARCH|SCAN) c USING INDEX checkouts_unsettled/);
			expect(unsettled).not.toMatch(/SCAN c(;|$)/);
		});

		// Migration 8: an ended hold from before keeps no price, and its read leaves the price out.
		const ended = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token: holder.token,
		});
		expect(ended.body.data?.status).toBe("CANCELLED");
		expect(ended.body.data).not.toHaveProperty("priceCents");

		// And it takes new decisions: the free unit goes to a new attempt.
		const fresh = await call<Reservation>("POST", "/api/reservations", {
			token: other.token,
			body: { sku },
		});
		expect(fresh.status).toBe(201);
	});

	it("an active hold from before holds kept their price pays the price stored then, not a later one", async () => {
		const { sku, holder, hold } = await legacySku({ keepHold: true });
		const read = await call<Reservation>("GET", `/api/reservations/${hold.reservationId}`, {
			token: holder.token,
		});
		expect(read.body.data).toMatchObject({ status: "RESERVED", priceCents: 1000, currency: "USD" });
		const repriced = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { priceCents: 7000, currency: "EUR" },
		});
		expect(repriced.status).toBe(200);
		const paid = await call<{ amountCents: number; currency: string }>("POST", "/api/checkout", {
			token: holder.token,
			body: { reservationId: hold.reservationId, paymentMethod: "pm_card_visa" },
			headers: { "idempotency-key": crypto.randomUUID() },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		expect(paid.body.data).toMatchObject({ amountCents: 1000, currency: "USD" });
	});

	it("is refused, with 503 and Retry-After, when it records a version newer than this code", async () => {
		const { sku } = await legacySku();
		await runInDurableObject(inventoryStub(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			expect(schemaVersion(sql)).toBe(INVENTORY_MIGRATIONS.length);
			sql.exec(
				`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, 'from a newer deploy', 0)`,
				INVENTORY_MIGRATIONS.length + 1,
			);
		});
		await evictDurableObject(inventoryStub(sku));
		for (const [method, path] of [
			["GET", `/api/products/${sku}`],
			["GET", `/api/admin/products/${sku}/stats`],
		] as const) {
			const res = await call(method, path, { token: ADMIN });
			expect(res.status).toBe(503);
			expect(res.body.error?.code).toBe("unavailable");
			expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
		}
	});
});

describe("the other SQLite-backed objects adopt their databases from before versions", () => {
	it("the rate limiter keeps its totals", async () => {
		const stub = env.LIMITER.get(env.LIMITER.idFromName(`mig-${crypto.randomUUID()}`));
		await runInDurableObject(stub, (_: RateLimiterObject, state) => {
			const sql = state.storage.sql;
			// The constructor already migrated this fresh object; make it the previous release's.
			sql.exec(`DROP TABLE ${MIGRATIONS_TABLE}`);
			sql.exec("DROP TABLE hits");
			sql.exec("DROP TABLE totals");
			for (const statement of LEGACY_LIMITER_SCHEMA) sql.exec(statement);
			sql.exec("INSERT INTO totals (reason, n) VALUES ('rate_limited.reads', 7)");
		});
		await evictDurableObject(stub);
		expect(await stub.totals()).toEqual({ "rate_limited.reads": 7 });
		await runInDurableObject(stub, (_: RateLimiterObject, state) => {
			expect(recorded(state.storage.sql).map((r) => r.version)).toEqual([1]);
		});
	});

	it("the cost ledger keeps its total and gains the guardrail table", async () => {
		const stub = env.LEDGER?.get(env.LEDGER.idFromName(`mig-${crypto.randomUUID()}`));
		if (stub === undefined) throw new Error("the LEDGER binding is missing");
		await runInDurableObject(stub, (_: CostLedgerObject, state) => {
			// An unknown session's ledger stores nothing until its first add: the storage is empty.
			expect(tables(state.storage.sql)).toEqual([]);
			for (const statement of LEGACY_LEDGER_SCHEMA) state.storage.sql.exec(statement);
			state.storage.sql.exec("INSERT INTO ledger (id, virtual_usd) VALUES (1, 0.25)");
		});
		await evictDurableObject(stub);
		expect(await stub.total()).toEqual({ virtualUsd: 0.25, guardrail: null });
		const changed = await stub.changeGuardrail({ thresholdUsd: 0.01 }, 0.05);
		expect(changed.guardrail).toMatchObject({ thresholdUsd: 0.01, manual: false });
		await runInDurableObject(stub, (_: CostLedgerObject, state) => {
			expect(recorded(state.storage.sql).map((r) => r.version)).toEqual([1]);
			expect(tables(state.storage.sql)).toEqual(["guardrail", "ledger"]);
		});
	});
});

async function session(): Promise<{ token: string; sessionId: string }> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: "test-debug-token" },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return res.body.data;
}
