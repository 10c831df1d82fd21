// D1 migrations as `wrangler d1 migrations apply` applies them (the same files, the same bookkeeping
// table), run by a worker of their own before the product's socket exists (scripts/runtime.ts
// `migrateD1`), so that no request ever meets a database without its tables:
// docs/decisions/070-migrations-before-the-socket.md.

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "./config.ts";

const require = createRequire(join(ROOT, "package.json"));

/** One SQL statement and its parameters, as sent to MIGRATIONS_WORKER. */
export type SqlStatement = { sql: string; params: unknown[] };

/**
 * Runs `statements` on one D1 database in one batch (D1 applies a batch atomically) and returns
 * each statement's rows, in order.
 */
export type RunSqlBatch = (statements: SqlStatement[]) => Promise<unknown[][]>;

/**
 * The worker the migrations run in. It binds the D1 databases and answers a POST of
 * `{ binding, statements }` with each statement's rows, running the statements as one batch;
 * an error answers 500 with its message. Plain JavaScript, as workerd loads it: sent to it over
 * `dispatchFetch`, a few milliseconds a call, where Miniflare's `getD1Database` proxy took
 * 130–400 ms to set up on this machine.
 */
export const MIGRATIONS_WORKER = `export default {
	async fetch(request, env) {
		try {
			const { binding, statements } = await request.json();
			const db = env[binding];
			const results = await db.batch(statements.map((s) => db.prepare(s.sql).bind(...s.params)));
			return Response.json(results.map((result) => result.results ?? []));
		} catch (error) {
			return new Response(String(error?.message ?? error), { status: 500 });
		}
	},
};`;

/** A RunSqlBatch through MIGRATIONS_WORKER: `post` sends it a request body. */
export function sqlThroughWorker(
	binding: string,
	post: (body: string) => Promise<{ ok: boolean; text(): Promise<string> }>,
): RunSqlBatch {
	return async (statements) => {
		const res = await post(JSON.stringify({ binding, statements }));
		const text = await res.text();
		if (!res.ok) throw new Error(text);
		return JSON.parse(text) as unknown[][];
	};
}

/** wrangler's bookkeeping table (`wrangler d1 migrations apply`), so both agree on what ran. */
const MIGRATIONS_TABLE = "d1_migrations";

/**
 * Applies the `*.sql` files of `migrationsDir` that `d1_migrations` does not list yet, in name
 * order, each in one batch with its bookkeeping row (atomic, like wrangler). Returns the files
 * applied; a file that fails throws, naming it, and leaves the files after it unapplied.
 */
export async function applyD1Migrations(
	run: RunSqlBatch,
	migrationsDir: string,
): Promise<string[]> {
	const results = await run([
		// The same table definition as wrangler's.
		{
			sql: `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`,
			params: [],
		},
		{ sql: `SELECT name FROM ${MIGRATIONS_TABLE}`, params: [] },
	]);
	const applied = (results[1] ?? []) as { name: string }[];
	const done = new Set(applied.map((row) => row.name));
	const pending = readdirSync(migrationsDir)
		.filter((name) => name.endsWith(".sql") && !done.has(name))
		.sort();
	if (pending.length === 0) return pending;
	// wrangler's own splitter (triggers, quoted semicolons); loading wrangler takes a while, so
	// only when there is something to apply.
	const { unstable_splitSqlQuery: splitSql } = (await import(require.resolve("wrangler"))) as {
		unstable_splitSqlQuery(sql: string): string[];
	};
	for (const file of pending) {
		const statements = splitSql(readFileSync(join(migrationsDir, file), "utf8"));
		try {
			await run([
				...statements.map((sql) => ({ sql, params: [] })),
				{ sql: `INSERT INTO ${MIGRATIONS_TABLE} (name) VALUES (?)`, params: [file] },
			]);
		} catch (error) {
			throw new Error(
				`D1 migration ${file} failed: ${error instanceof Error ? error.message : String(error)}`,
			);
		}
	}
	return pending;
}

/** The last log lines of the migrations' workerd kept for a failure's message. */
export const MIGRATION_LOG_LINES = 50;

/** SQLite's words for a database another connection holds the write lock of. */
const LOCKED = /SQLITE_BUSY|database is locked/;

/**
 * What a failed migration run tells the user. Another process holding the local D1's write lock
 * (a SQLite shell, a `wrangler d1 … --local`, a server started some other way) makes workerd log
 * a stack and answer only "Failed to get session commit token: internal error": that is said in
 * one line naming the database's directory. Anything else keeps its message and workerd's lines.
 */
export function migrationFailure(error: unknown, logs: readonly string[], d1Dir: string): Error {
	const message = error instanceof Error ? error.message : String(error);
	if (LOCKED.test(message) || logs.some((line) => LOCKED.test(line)))
		return new Error(
			`The local D1 database under ${d1Dir} is locked by another process (a SQLite shell, a \`wrangler d1 … --local\`, another server); stop it and start again.`,
		);
	return new Error(logs.length === 0 ? message : `${message}\n${logs.join("\n")}`);
}
