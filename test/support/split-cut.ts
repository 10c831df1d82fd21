// A split SKU's objects as files, for the tests that cut an operator's change between the
// coordinator (shard 0) and the other shards with a real `kill -9` (test/node/split-reset-crash.test.ts,
// split-settings-after-restart.test.ts): which file is which shard, what each holds, read while the server
// is down or beside it (read-only: the files are in WAL mode), and buyers by shard.

import type { DatabaseSync } from "node:sqlite";
import { expect } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { objectFiles, readOnly } from "./local-storage.ts";
import { api, type TestServer } from "./server.ts";

/** Each object file of the SKU by shard index (read while the server is down). */
export function shardFiles(stateDir: string, sku: string): Map<number, string> {
	const dir = `${stateDir}/v3/do/revenue-guard-InventoryObject`;
	const out = new Map<number, string>();
	for (const file of objectFiles(stateDir, "InventoryObject")) {
		const db = readOnly(`${dir}/${file}`);
		try {
			const table = db
				.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'escrow'")
				.get();
			if (table === undefined) continue;
			const row = db.prepare("SELECT ledger FROM escrow WHERE id = 1").get() as
				| { ledger: string }
				| undefined;
			if (row === undefined) continue;
			const ledger = JSON.parse(row.ledger) as { sku: string; shard: { index: number } };
			if (ledger.sku === sku) out.set(ledger.shard.index, `${dir}/${file}`);
		} finally {
			db.close();
		}
	}
	return out;
}

export const heldIn = (db: DatabaseSync): number =>
	Number(
		(
			db
				.prepare("SELECT COALESCE(SUM(quantity), 0) AS n FROM holds WHERE status = 'RESERVED'")
				.get() as {
				n: number;
			}
		).n,
	);

export function heldPerShard(files: Map<number, string>): Map<number, number> {
	const out = new Map<number, number>();
	for (const [index, path] of files) {
		const db = readOnly(path);
		try {
			out.set(index, heldIn(db));
		} finally {
			db.close();
		}
	}
	return out;
}

/** A buyer's session, and the shard of `shards` it hashes to. */
export async function shardBuyer(
	server: TestServer,
	shards: number,
): Promise<{ token: string; shard: number }> {
	const res = await api<{ token: string; sessionId: string }>(server, "POST", "/api/sessions", {
		body: { turnstileToken: server.debugToken },
	});
	expect(res.status).toBe(201);
	const data = res.body.data as { token: string; sessionId: string };
	return { token: data.token, shard: shardOf(data.sessionId, shards) };
}

/**
 * Sends `send` and kills the server (`kill -9` of its group) the moment `seen` holds in the
 * coordinator's file at `path` (its change committed); true when it was seen within `withinMs`
 * (the server is killed either way).
 */
export async function killWhenCommitted(
	server: TestServer,
	path: string,
	seen: (db: DatabaseSync) => boolean,
	send: () => Promise<unknown>,
	withinMs: number,
): Promise<boolean> {
	const db = readOnly(path);
	let committed = false;
	try {
		const sent = send().catch(() => null);
		const until = Date.now() + withinMs;
		while (Date.now() < until) {
			if (seen(db)) {
				committed = true;
				break;
			}
			await new Promise((r) => setImmediate(r));
		}
		await server.crash();
		await sent;
	} finally {
		db.close();
	}
	return committed;
}
