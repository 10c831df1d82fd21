// Which errors from a SKU object's own SQLite are an outage (503) and which are something else.
// The messages are workerd's: SQLite's text, then its code after ": " (decision 187).
import { describe, expect, it } from "vitest";
import { objectStorageFailed } from "../../src/worker/storage-errors.ts";

describe("objectStorageFailed", () => {
	it.each([
		"database or disk is full: SQLITE_FULL",
		"disk I/O error: SQLITE_IOERR",
		"disk I/O error: SQLITE_IOERR (extended: SQLITE_IOERR_FSYNC)",
		"out of memory: SQLITE_NOMEM",
		"database is locked: SQLITE_BUSY",
	])("is an outage of the object's storage: %s", (message) => {
		expect(objectStorageFailed(new Error(message))).toBe(true);
	});

	it.each([
		// A constraint is an answer of the code, not a failing disk: it stays a bug if it escapes.
		"UNIQUE constraint failed: zz.id: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)",
		"no such table: holds: SQLITE_ERROR",
		"SQLITE_FULL is mentioned without SQLite's form",
		"Cannot read properties of undefined",
	])("is not: %s", (message) => {
		expect(objectStorageFailed(new Error(message))).toBe(false);
	});

	it("is not for a value that is not an Error", () => {
		expect(objectStorageFailed("database or disk is full: SQLITE_FULL")).toBe(false);
		expect(objectStorageFailed(undefined)).toBe(false);
	});
});
