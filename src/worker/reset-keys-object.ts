// Which SKU and body each operator reset `Idempotency-Key` was first sent with, so that the
// same key sent for another SKU (or with another body) is refused, as a checkout key used for
// another reservation is (docs/api.md, Operator; docs/decisions/081-reset-idempotency-key.md).
// Each SKU's object remembers its own keyed resets and their answers (inventory/reset-keys.ts);
// only this registry sees across SKUs. One instance (REGISTRY_NAME): resets are rare (one a
// minute per address), and a claim is one indexed row.

import { DurableObject } from "cloudflare:workers";
import { RESET_KEY_SECONDS } from "../domain/bounds.ts";
import { type Migration, migrate } from "../storage/do-migrations.ts";

/** The one instance that holds every claim. */
export const REGISTRY_NAME = "reset-keys";

/** Numbered migrations (storage/do-migrations.ts); append, never edit one that has shipped. */
export const RESET_KEYS_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: "claims of reset keys",
		up: [
			`CREATE TABLE claims (
				key TEXT PRIMARY KEY,
				sku TEXT NOT NULL,
				fingerprint TEXT NOT NULL,
				at_ms INTEGER NOT NULL
			) WITHOUT ROWID`,
			"CREATE INDEX claims_by_time ON claims (at_ms)",
		],
	},
];

/** A claim's answer: whether the key is this request's, else what it was first sent with. */
export type ClaimResult =
	| { ok: true }
	| { ok: false; reason: "other_sku"; sku: string }
	| { ok: false; reason: "other_body" };

export class ResetKeysObject extends DurableObject {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			migrate(ctx.storage, RESET_KEYS_MIGRATIONS, "ResetKeysObject");
		});
	}

	/**
	 * Binds `key` to `sku` and `fingerprint` if it is new (or its claim is older than
	 * RESET_KEY_SECONDS, which are deleted here); else says whether they match the first.
	 */
	claim(key: string, sku: string, fingerprint: string): ClaimResult {
		const nowMs = Date.now();
		this.sql.exec("DELETE FROM claims WHERE at_ms < ?", nowMs - RESET_KEY_SECONDS * 1000);
		const first = this.sql
			.exec<{ sku: string; fingerprint: string }>(
				"SELECT sku, fingerprint FROM claims WHERE key = ?",
				key,
			)
			.toArray()[0];
		if (first === undefined) {
			this.sql.exec(
				"INSERT INTO claims (key, sku, fingerprint, at_ms) VALUES (?, ?, ?, ?)",
				key,
				sku,
				fingerprint,
				nowMs,
			);
			return { ok: true };
		}
		if (first.sku !== sku) return { ok: false, reason: "other_sku", sku: first.sku };
		if (first.fingerprint !== fingerprint) return { ok: false, reason: "other_body" };
		return { ok: true };
	}
}
