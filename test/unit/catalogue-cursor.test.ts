// The catalogue's cursor (src/worker/catalogue-cursor.ts): what it encodes it decodes, and
// anything it did not write is null (the route's 400 naming `after`), never an exception.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SKU_PATTERN } from "../../src/domain/bounds.ts";
import {
	decodeCursor,
	encodeCursor,
	MAX_CATALOGUE_CURSOR_LENGTH,
} from "../../src/worker/catalogue-cursor.ts";

const sku = fc.stringMatching(SKU_PATTERN);
const createdAt = fc.string({ minLength: 1, maxLength: 40, unit: "binary" });

describe("the catalogue cursor", () => {
	it("decodes what it encodes, in its bound and its alphabet", () => {
		fc.assert(
			fc.property(createdAt, sku, (at, s) => {
				const cursor = encodeCursor({ createdAt: at, sku: s });
				expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
				expect(cursor.length).toBeLessThanOrEqual(MAX_CATALOGUE_CURSOR_LENGTH);
				expect(decodeCursor(cursor)).toEqual({ createdAt: at, sku: s });
			}),
		);
	});

	it("is null for anything it did not write", () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 600 }), (text) => {
				const position = decodeCursor(text);
				if (position !== null) expect(encodeCursor(position)).toBe(text);
			}),
		);
		const pair = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
		for (const bad of [
			"",
			"%%%",
			"A",
			pair(["2026-01-01T00:00:00.000Z"]),
			pair(["2026-01-01T00:00:00.000Z", "has space"]),
			pair(["", "SKU"]),
			pair([5, "SKU"]),
			pair({ createdAt: "x", sku: "SKU" }),
			Buffer.from([0xff, 0xfe]).toString("base64url"),
		]) {
			expect(decodeCursor(bad), bad).toBeNull();
		}
	});
});
