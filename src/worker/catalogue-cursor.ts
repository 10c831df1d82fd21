// The cursor of GET /api/products (docs/api.md, "Catalogue and availability"): where the next
// page starts in the catalogue's order, newest first. It names the last product of a page by
// its catalogue row's (created_at, sku), which no later create can move, so a page never
// repeats or skips a product that was listed when the walk began. Opaque to clients: base64url
// of a JSON pair, refused with a 400 naming `after` when it is not one this server wrote.

import { SKU_PATTERN } from "../domain/bounds.ts";

/** Where a page starts: the products listed after (older than) this one. */
export interface CataloguePosition {
	createdAt: string;
	sku: string;
}

/** A cursor is never longer than this: a created_at and a 64-character SKU fit in a quarter. */
export const MAX_CATALOGUE_CURSOR_LENGTH = 400;
/** The longest created_at a cursor carries (an ISO 8601 time is 24 characters, 27 with a 6-digit year). */
const MAX_CREATED_AT_LENGTH = 40;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(position: CataloguePosition): string {
	// Through UTF-8 bytes: btoa takes Latin-1 only, and a row's created_at is D1's text.
	const bytes = new TextEncoder().encode(JSON.stringify([position.createdAt, position.sku]));
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

/** The position a cursor names; null when it is not a cursor this server wrote. */
export function decodeCursor(cursor: string): CataloguePosition | null {
	if (cursor.length > MAX_CATALOGUE_CURSOR_LENGTH || !BASE64URL.test(cursor)) return null;
	let pair: unknown;
	try {
		const padded = cursor.padEnd(Math.ceil(cursor.length / 4) * 4, "=");
		const binary = atob(padded.replaceAll("-", "+").replaceAll("_", "/"));
		const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
		pair = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
	} catch {
		return null;
	}
	if (!Array.isArray(pair) || pair.length !== 2) return null;
	const [createdAt, sku] = pair as unknown[];
	if (typeof createdAt !== "string" || typeof sku !== "string") return null;
	if (createdAt.length === 0 || createdAt.length > MAX_CREATED_AT_LENGTH) return null;
	if (!SKU_PATTERN.test(sku)) return null;
	return { createdAt, sku };
}
