// The suite's file order (test/support/sequencer.ts) names files by path: a file renamed
// or removed would silently fall back to the unknown-file estimate and start late.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPECTED_SECONDS } from "../support/sequencer.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the suite's longest-first order", () => {
	it("names only test files that exist", () => {
		const files = Object.keys(EXPECTED_SECONDS);
		expect(files.length).toBeGreaterThan(0);
		for (const file of files) {
			expect(file).toMatch(/^test\/(unit|integration|node|e2e)\/[\w-]+\.test\.ts$/);
			expect(existsSync(join(ROOT, file)), file).toBe(true);
		}
	});
});
