// The operator's keyed reset (docs/api.md, Operator; docs/decisions/081-reset-idempotency-key.md).
// The key's row (table reset_keys, schema.ts migration 9) is written in the reset's own
// transaction, so "this key's reset was done" is exactly as durable as the reset. A repeat of
// the key answers the first reset's answer and resets nothing.
//
// A split SKU: the coordinator writes its row with its own reset, then each other shard does its
// reset under the same key when the reset's generation is due there (shardKeyedReset: the
// generation, not a shard's row, says whether it was done), then the coordinator stores the
// answer. A row without an answer is a coordinator's reset whose shards may not all have done
// theirs (a crash between, or the first request still running): a repeat finishes it, asking the
// shards again, each of which does its part at most once. The coordinator's alarm finishes it too,
// under the key, without a repeat (inventory/shard-resets.ts, decision 124).

import { RESET_KEY_SECONDS } from "../domain/bounds.ts";
import type { Product } from "../shared/types.ts";
import type { UpdateResult } from "./rpc.ts";

/** A reset under an operator's `Idempotency-Key`. */
export interface KeyedReset {
	key: string;
	/** What else identifies the request (the SKU is the object's own): the body's digest. */
	fingerprint: string;
	/** Only answer a reset already done under the key (`not_done` if none); never reset. */
	replayOnly: boolean;
}

export type KeyedResetResult =
	| { ok: true; product: Product; replayed?: boolean }
	| { ok: false; code: "unknown_sku" | "invalid_state" }
	/** The key was first used with another body. */
	| { ok: false; code: "key_reused" }
	/** `replayOnly`, and no reset was done under the key. */
	| { ok: false; code: "not_done" };

export interface KeyedResetHost {
	sql: SqlStorage;
	/** Whether this object coordinates a split SKU (its other shards then reset too). */
	isCoordinator(): boolean;
	/** This object's own reset, its `inventory.reset` carrying the key; synchronous. */
	resetLocal(idempotencyKey: string): UpdateResult;
	/** A coordinator's: every other shard resets under `keyed`; the SKU's product after. */
	finishShards(keyed: KeyedReset): Promise<Product>;
	/** Open storefronts learn of a reset this call did (not of a repeat that did nothing). */
	announce(product: Product): void;
}

interface Row {
	fingerprint: string;
	answer: string | null;
}

export async function keyedReset(
	host: KeyedResetHost,
	keyed: KeyedReset,
): Promise<KeyedResetResult> {
	const { sql } = host;
	const nowMs = Date.now();
	sql.exec("DELETE FROM reset_keys WHERE at_ms < ?", nowMs - RESET_KEY_SECONDS * 1000);
	const row = sql
		.exec<{ fingerprint: string; answer: string | null }>(
			"SELECT fingerprint, answer FROM reset_keys WHERE key = ?",
			keyed.key,
		)
		.toArray()[0] as Row | undefined;
	if (row !== undefined) {
		if (row.fingerprint !== keyed.fingerprint) return { ok: false, code: "key_reused" };
		if (row.answer !== null)
			return { ok: true, product: JSON.parse(row.answer) as Product, replayed: true };
		const product = await host.finishShards({ ...keyed, replayOnly: false });
		host.announce(product);
		return { ok: true, product: storeAnswer(sql, keyed.key, product), replayed: true };
	}
	if (keyed.replayOnly) return { ok: false, code: "not_done" };
	// The row and the reset in one synchronous turn: one transaction (object.ts, header).
	sql.exec(
		"INSERT INTO reset_keys (key, fingerprint, at_ms, answer) VALUES (?, ?, ?, NULL)",
		keyed.key,
		keyed.fingerprint,
		nowMs,
	);
	const own = host.resetLocal(keyed.key);
	if (!own.ok) throw new Error(`a keyed reset of a stored SKU answered ${own.code}`);
	const product = host.isCoordinator()
		? await host.finishShards({ ...keyed, replayOnly: false })
		: own.product;
	host.announce(product);
	return { ok: true, product: storeAnswer(sql, keyed.key, product), replayed: false };
}

/**
 * A split SKU's shard doing its part of the coordinator's keyed reset, which its generation says
 * is due (inventory/shard-resets.ts resetDue): the generation is the reset's identity here, never
 * the key's row. The coordinator forgets a key after RESET_KEY_SECONDS by its own clock, and a
 * shard that did its part late would still remember it for that long again: a key the operator
 * uses anew in between is a new reset (a new generation), which a row of the last one must not
 * skip. So the shard resets, under the key for the trail, and records the key's row afresh (its
 * time and answer this reset's) in the same turn: one transaction. It answers nothing from the row
 * (docs/decisions/144-reset-generations-late-counters-and-the-limiters-clock.md).
 */
export function shardKeyedReset(
	sql: SqlStorage,
	keyed: KeyedReset,
	resetLocal: (idempotencyKey: string) => UpdateResult,
): UpdateResult {
	const nowMs = Date.now();
	sql.exec("DELETE FROM reset_keys WHERE at_ms < ?", nowMs - RESET_KEY_SECONDS * 1000);
	const own = resetLocal(keyed.key);
	sql.exec(
		`INSERT INTO reset_keys (key, fingerprint, at_ms, answer) VALUES (?, ?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, at_ms = excluded.at_ms,
		 answer = excluded.answer`,
		keyed.key,
		keyed.fingerprint,
		nowMs,
		own.ok ? JSON.stringify(own.product) : null,
	);
	return own;
}

/** The key's answer: the first one stored wins, so every repeat answers the same. */
function storeAnswer(sql: SqlStorage, key: string, product: Product): Product {
	sql.exec(
		"UPDATE reset_keys SET answer = ? WHERE key = ? AND answer IS NULL",
		JSON.stringify(product),
		key,
	);
	const stored = sql
		.exec<{ answer: string | null }>("SELECT answer FROM reset_keys WHERE key = ?", key)
		.toArray()[0];
	return stored?.answer == null ? product : (JSON.parse(stored.answer) as Product);
}
