// Numbered migrations for Durable Object SQLite (src/storage/do-migrations.ts),
// inside workerd on real object storage: applied in order in one transaction,
// recorded, idempotent, refused on a database newer than the code (the runner itself:
// migration-runner.test.ts), and able to adopt the databases that the code before versions wrote (legacy-schemas.ts):
// a state directory from the previous release keeps working.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { UNSETTLED_SQL } from "../../src/inventory/checkout-store.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { UNITS_SQL } from "../../src/inventory/records.ts";
import { INVENTORY_MIGRATIONS } from "../../src/inventory/schema.ts";
import type { RateLimiterObject } from "../../src/ratelimit/limiter-object.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { MIGRATIONS_TABLE, schemaVersion } from "../../src/storage/do-migrations.ts";
import { ADMIN, call, createProduct } from "./helpers.ts";
import { LEGACY_INVENTORY_SCHEMA, LEGACY_LIMITER_SCHEMA } from "./legacy-schemas.ts";

import { recorded } from "./migration-support.ts";
import { stubOf } from "./objects.ts";

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

		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
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
		await evictDurableObject(stubOf(sku));
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

		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
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
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			const sql = state.storage.sql;
			expect(schemaVersion(sql)).toBe(INVENTORY_MIGRATIONS.length);
			sql.exec(
				`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, 'from a newer deploy', 0)`,
				INVENTORY_MIGRATIONS.length + 1,
			);
		});
		await evictDurableObject(stubOf(sku));
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
			// Migration 2's table (the session bucket) came later than that release too.
			sql.exec("DROP TABLE bucket");
			for (const statement of LEGACY_LIMITER_SCHEMA) sql.exec(statement);
			sql.exec("INSERT INTO totals (reason, n) VALUES ('rate_limited.reads', 7)");
		});
		await evictDurableObject(stub);
		expect(await stub.totals()).toEqual({ "rate_limited.reads": 7 });
		await runInDurableObject(stub, (_: RateLimiterObject, state) => {
			expect(recorded(state.storage.sql).map((r) => r.version)).toEqual([1, 2]);
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
