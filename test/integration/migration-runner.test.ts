// The runner of numbered migrations for Durable Object SQLite (src/storage/do-migrations.ts),
// inside workerd on real object storage: applied in order in one transaction, recorded,
// idempotent, refused on a database newer than the code. The databases the code before
// versions wrote: do-migrations.test.ts.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { INVENTORY_MIGRATIONS } from "../../src/inventory/schema.ts";
import { LIMITER_MIGRATIONS } from "../../src/ratelimit/limiter-object.ts";
import {
	checkMigrations,
	type Migration,
	migrate,
	SCHEMA_TOO_NEW,
	SchemaTooNewError,
	schemaVersion,
} from "../../src/storage/do-migrations.ts";
import { LEDGER_GROUP_MIGRATIONS } from "../../src/worker/cost/ledger-group-object.ts";
import { RESET_KEYS_MIGRATIONS } from "../../src/worker/reset-keys-object.ts";

import { emptyObject, recorded, tables } from "./migration-support.ts";

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
			LEDGER_GROUP_MIGRATIONS,
			RESET_KEYS_MIGRATIONS,
		]) {
			expect(() => checkMigrations(list)).not.toThrow();
		}
	});
});
