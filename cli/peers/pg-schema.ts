// Tables, setup and stats shared by the two PostgreSQL peers. Each peer lives in its own schema
// of the same private instance, so both can run against one `ensurePostgres()`.

import pg from "pg";
import { oversellOf, type PeerStats } from "./common.ts";

const SCHEMA_PATTERN = /^[a-z_]{1,32}$/;

// No CHECK (available >= 0): the locking protocol alone must prevent oversell, and the stats
// below would show it if it did not.
const DDL = `
CREATE TABLE IF NOT EXISTS inventory (
	sku text PRIMARY KEY,
	total integer NOT NULL,
	available integer NOT NULL
);
CREATE TABLE IF NOT EXISTS holds (
	id uuid PRIMARY KEY,
	sku text NOT NULL,
	session_id text NOT NULL,
	quantity integer NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS holds_sku ON holds (sku);
`;

/** A pool whose connections resolve table names in `schema` (created if missing). */
export async function openSchemaPool(
	databaseUrl: string,
	schema: string,
	max: number,
): Promise<pg.Pool> {
	if (!SCHEMA_PATTERN.test(schema)) throw new Error(`bad schema name ${schema}`);
	const admin = new pg.Client({ connectionString: databaseUrl });
	await admin.connect();
	try {
		await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
		await admin.query(`SET search_path = ${schema}`);
		await admin.query(DDL);
	} finally {
		await admin.end();
	}
	return new pg.Pool({ connectionString: databaseUrl, max, options: `-c search_path=${schema}` });
}

/** (Re)creates the SKU with `stock` units and no holds, in one transaction. */
export async function setupSku(pool: pg.Pool, sku: string, stock: number): Promise<void> {
	const client = await pool.connect();
	try {
		await client.query("BEGIN");
		await client.query("DELETE FROM holds WHERE sku = $1", [sku]);
		await client.query(
			`INSERT INTO inventory (sku, total, available) VALUES ($1, $2, $2)
			 ON CONFLICT (sku) DO UPDATE SET total = EXCLUDED.total, available = EXCLUDED.available`,
			[sku, stock],
		);
		await client.query("COMMIT");
	} catch (error) {
		await client.query("ROLLBACK").catch(() => undefined);
		throw error;
	} finally {
		client.release();
	}
}

/** Hold rows and their units, counted from the table — not from `available`. */
export async function skuStats(pool: pg.Pool, sku: string): Promise<PeerStats | undefined> {
	const { rows } = await pool.query<{ total: number; holds: string; units: string }>(
		`SELECT i.total, count(h.id) AS holds, coalesce(sum(h.quantity), 0) AS units
		 FROM inventory i LEFT JOIN holds h ON h.sku = i.sku
		 WHERE i.sku = $1 GROUP BY i.total`,
		[sku],
	);
	const row = rows[0];
	if (!row) return undefined;
	const unitsHeld = Number(row.units);
	return {
		sku,
		total: row.total,
		holds: Number(row.holds),
		unitsHeld,
		oversell: oversellOf(row.total, unitsHeld),
	};
}
