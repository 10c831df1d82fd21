// What `npm start` applies to D1 before its socket opens (scripts/d1-migrations.ts), against a
// stand-in for the migrations worker that keeps wrangler's bookkeeping table in memory: pending
// files in name order, each in one batch with its bookkeeping row, nothing twice, and a failing
// file named and the files after it left for the next start.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyD1Migrations, type SqlStatement } from "../../scripts/d1-migrations.ts";

const BOOKKEEPING_INSERT = "INSERT INTO d1_migrations (name) VALUES (?)";

/** Batches as the worker would run them: all or nothing, rows only for the bookkeeping SELECT. */
function fakeDatabase(options: { failOn?: string } = {}) {
	const applied: string[] = [];
	const batches: SqlStatement[][] = [];
	const run = async (statements: SqlStatement[]): Promise<unknown[][]> => {
		batches.push(statements);
		if (options.failOn && statements.some((s) => s.sql.includes(options.failOn ?? "")))
			throw new Error(`no such table: ${options.failOn}`);
		return statements.map((s) => {
			if (s.sql.startsWith(BOOKKEEPING_INSERT)) applied.push(String(s.params[0]));
			return s.sql.startsWith("SELECT name FROM d1_migrations")
				? applied.map((name) => ({ name }))
				: [];
		});
	};
	return { run, applied, batches };
}

let dir: string | undefined;
afterEach(() => {
	if (dir) rmSync(dir, { recursive: true, force: true });
	dir = undefined;
});

function migrationsDir(files: Record<string, string>): string {
	dir = mkdtempSync(join(tmpdir(), "rg-d1-migrations-"));
	for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
	return dir;
}

describe("applyD1Migrations", () => {
	it("applies the pending files in name order, each with its bookkeeping row, and then none", async () => {
		const path = migrationsDir({
			"0002_b.sql": "CREATE TABLE b (x);\nCREATE INDEX b_x ON b (x);",
			"0001_a.sql": "CREATE TABLE a (x);",
			"notes.txt": "not a migration",
		});
		const db = fakeDatabase();
		expect(await applyD1Migrations(db.run, path)).toEqual(["0001_a.sql", "0002_b.sql"]);
		// One batch for the bookkeeping table and what it lists, then one per file.
		expect(db.batches.map((batch) => batch.map((s) => s.sql.split("(")[0]?.trim()))).toEqual([
			["CREATE TABLE IF NOT EXISTS d1_migrations", "SELECT name FROM d1_migrations"],
			["CREATE TABLE a", "INSERT INTO d1_migrations"],
			["CREATE TABLE b", "CREATE INDEX b_x ON b", "INSERT INTO d1_migrations"],
		]);
		expect(await applyD1Migrations(db.run, path)).toEqual([]);
		expect(db.applied).toEqual(["0001_a.sql", "0002_b.sql"]);
	});

	it("names the file that failed and leaves the files after it for the next start", async () => {
		const path = migrationsDir({
			"0001_a.sql": "CREATE TABLE a (x);",
			"0002_b.sql": "ALTER TABLE missing ADD COLUMN y;",
			"0003_c.sql": "CREATE TABLE c (x);",
		});
		const db = fakeDatabase({ failOn: "missing" });
		await expect(applyD1Migrations(db.run, path)).rejects.toThrow(
			"D1 migration 0002_b.sql failed: no such table: missing",
		);
		expect(db.applied).toEqual(["0001_a.sql"]);
	});
});
