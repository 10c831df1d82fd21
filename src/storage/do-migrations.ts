// Numbered, recorded migrations for a Durable Object's own SQLite, as D1 has
// them in migrations/ (docs/decisions/008-durable-object-schema-versions.md).
// Every SQLite-backed object lists its migrations 1..N and calls `migrate` when
// it opens its storage (inside blockConcurrencyWhile, so no request sees a
// half-migrated database). The versions applied are rows of `_migrations`;
// the pending ones run in order in one transaction, so a failure leaves the
// database as it was. A database recorded at a version this code does not know
// (storage written by a newer deploy, then a rollback) is refused, never guessed at.

/** The table that records which migrations a database has had. */
export const MIGRATIONS_TABLE = "_migrations";

/** What a migration may use besides SQL: the moment it runs (for backfills). */
export interface MigrationContext {
	nowMs: number;
}

export interface Migration {
	/** 1, 2, 3…: the list is applied in this order and each version once. */
	version: number;
	/** What it changes, recorded with it. */
	name: string;
	/** Statements run in order, or a function for a change SQL alone cannot say. */
	up: readonly string[] | ((sql: SqlStorage, context: MigrationContext) => void);
}

/** The part of DurableObjectStorage the runner needs. */
export interface MigratableStorage {
	sql: SqlStorage;
	transactionSync<T>(closure: () => T): T;
}

export interface MigrationReport {
	/** The version before this run (0: a database that had none recorded). */
	from: number;
	to: number;
	/** Versions applied by this run, in order. */
	applied: number[];
}

/** Part of the message of SchemaTooNewError, so the Worker can recognise it across an RPC boundary. */
export const SCHEMA_TOO_NEW = "schema version is newer than this code";

/**
 * The database was migrated by newer code. Running older code on it could
 * misread rows it does not know, so the object refuses to open until code that
 * knows the version is deployed again.
 */
export class SchemaTooNewError extends Error {
	constructor(
		readonly recorded: number,
		readonly known: number,
		owner: string,
	) {
		super(
			`${owner}: ${SCHEMA_TOO_NEW} (storage at version ${recorded}, this code knows up to ${known}); deploy the code that wrote it`,
		);
		this.name = "SchemaTooNewError";
	}
}

/** The highest version recorded in this database; 0 when none is. */
export function schemaVersion(sql: SqlStorage): number {
	const table = sql
		.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", MIGRATIONS_TABLE)
		.toArray();
	if (table.length === 0) return 0;
	const row = sql
		.exec<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${MIGRATIONS_TABLE}`)
		.one();
	return row.v ?? 0;
}

/** Throws unless `migrations` are numbered 1..N in order: a gap or a duplicate is a bug in the list. */
export function checkMigrations(migrations: readonly Migration[]): void {
	migrations.forEach((m, i) => {
		if (m.version !== i + 1) {
			throw new Error(
				`migration ${i + 1} of the list has version ${m.version}: versions must be 1..N in order`,
			);
		}
	});
}

/**
 * Brings the database to the last version of `migrations`: applies the ones
 * not yet recorded, in order, in one transaction, and records each. Idempotent:
 * on a database already at that version it reads one row and writes nothing.
 * `owner` names the object class in the error of a too-new database.
 */
export function migrate(
	storage: MigratableStorage,
	migrations: readonly Migration[],
	owner: string,
	nowMs: number = Date.now(),
): MigrationReport {
	checkMigrations(migrations);
	const known = migrations.length;
	const from = schemaVersion(storage.sql);
	if (from > known) throw new SchemaTooNewError(from, known, owner);
	if (from === known) return { from, to: known, applied: [] };
	return storage.transactionSync(() => {
		const { sql } = storage;
		sql.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at INTEGER NOT NULL
		)`);
		const applied: number[] = [];
		for (const m of migrations.slice(from)) {
			if (typeof m.up === "function") m.up(sql, { nowMs });
			else for (const statement of m.up) sql.exec(statement);
			sql.exec(
				`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version,
				m.name,
				nowMs,
			);
			applied.push(m.version);
		}
		return { from, to: known, applied };
	});
}
