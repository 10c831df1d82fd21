// Identifiers that carry their SKU, so that GET /api/reservations/:id can go
// straight to the one object that owns it without a lookup table.
// SKUs never contain "~" (docs/api.md: [A-Za-z0-9._-]), so it separates safely.

import { SKU_PATTERN } from "../domain/bounds.ts";
import { randomHex } from "../shared/hex.ts";

const ID_BYTES = 12;

export function newId(prefix: "rsv" | "ord" | "tkt", sku: string): string {
	return `${prefix}_${randomHex(ID_BYTES)}~${sku}`;
}

/** The SKU an id belongs to, or null when the id is not one of ours. */
export function skuOfId(id: string, prefix: "rsv" | "ord"): string | null {
	if (!id.startsWith(`${prefix}_`) || id.length > 120) return null;
	const at = id.indexOf("~");
	if (at < 0) return null;
	const sku = id.slice(at + 1);
	return SKU_PATTERN.test(sku) ? sku : null;
}

export function newToken(): string {
	return randomHex(32);
}

export function newSessionId(): string {
	return `ses_${randomHex(12)}`;
}
