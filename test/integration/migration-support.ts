// Shared by the Durable Object migration tests (do-migrations.test.ts, migration-runner.test.ts).
import { env } from "cloudflare:workers";
import { MIGRATIONS_TABLE } from "../../src/storage/do-migrations.ts";
import { uniqueSku } from "./helpers.ts";

/** An object of a name never used: an InventoryObject for an unknown SKU writes nothing, so its storage is empty. */
export const emptyObject = () => env.INVENTORY.get(env.INVENTORY.idFromName(uniqueSku("MIG")));

type Recorded = { version: number; name: string; applied_at: number };
export const recorded = (sql: SqlStorage) =>
	sql.exec<Recorded>(`SELECT * FROM ${MIGRATIONS_TABLE} ORDER BY version`).toArray();
export const tables = (sql: SqlStorage) =>
	sql
		.exec<{ name: string }>(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
		)
		.toArray()
		.map((r) => r.name);
