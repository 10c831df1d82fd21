// Identifiers that carry their SKU, so that GET /api/reservations/:id can go
// straight to the one object that owns it without a lookup table.
// SKUs never contain "~" (docs/api.md: [A-Za-z0-9._-]), so it separates safely.

import { SKU_PATTERN } from "../domain/bounds.ts";
import { MAX_SHARDS, shardIndexOf } from "../domain/escrow.ts";
import { clockHex, pooledRandomHex, randomHex } from "../shared/hex.ts";

/** Random bytes after the clock part: 48 bits, so ids minted in the same millisecond differ. */
const RANDOM_BYTES = 6;

/**
 * An id owned by shard `shard` of `sku`: `~<sku>` for shard 0 (a SKU in one
 * object: the form ids always had), `~<sku>~<i>` for shard i (not "#": ids go in URLs).
 * The 24 hex digits start with the clock, so ids minted one after another sort one after
 * another: a batch's hold rows go to the end of the holds' id index in the SKU's object, not
 * to random leaves of it (docs/decisions/042-edge-reserve-cpu.md). The id's owner check
 * (a reservation is read or cancelled only by its session) does not rest on it being unguessable.
 */
export function newId(prefix: "rsv" | "ord" | "tkt", sku: string, shard = 0): string {
	return `${prefix}_${clockHex()}${pooledRandomHex(RANDOM_BYTES)}~${shard === 0 ? sku : `${sku}~${shard}`}`;
}

/** The SKU and the shard an id belongs to, or null when the id is not one of ours. */
export function ownerOfId(
	id: string,
	prefix: "rsv" | "ord",
): { sku: string; shard: number } | null {
	if (!id.startsWith(`${prefix}_`) || id.length > 120) return null;
	const at = id.indexOf("~");
	if (at < 0) return null;
	const owner = id.slice(at + 1);
	const tilde = owner.indexOf("~");
	const sku = tilde < 0 ? owner : owner.slice(0, tilde);
	if (!SKU_PATTERN.test(sku)) return null;
	if (tilde < 0) return { sku, shard: 0 };
	const shard = shardIndexOf(`${sku}#${owner.slice(tilde + 1)}`, sku, MAX_SHARDS);
	return shard === null || shard === 0 ? null : { sku, shard };
}

/** The SKU an id belongs to, or null when the id is not one of ours. */
export function skuOfId(id: string, prefix: "rsv" | "ord"): string | null {
	return ownerOfId(id, prefix)?.sku ?? null;
}

export function newToken(): string {
	return randomHex(32);
}

export function newSessionId(): string {
	return `ses_${randomHex(12)}`;
}
