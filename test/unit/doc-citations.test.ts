// Comments cite documents a reader of this repository can open: docs/, README.md, the code. Not
// issue numbers, not the product brief's seed files, not design notes or a contract copy outside
// the repository, not a path on a build machine. The documents they used to cite live in docs/
// now (docs/architecture.md, docs/api.md, docs/decisions/, docs/measurements/).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SCANNED = ["src", "cli", "scripts", "test"];
const SOURCE = /\.(ts|tsx|js|sh|css|html)$/;
const SELF = relative(ROOT, import.meta.filename);

/** What may not be cited, and where to point instead. */
const FORBIDDEN: { pattern: RegExp; instead: string }[] = [
	{ pattern: /\bdesign\.md\b/, instead: "docs/architecture.md" },
	// A bare "api.md" can only mean docs/api.md, the one copy in the repository.
	{ pattern: /(?<![\w.-])(?:\.\.\/)*shared\/api\.md\b/, instead: "docs/api.md" },
	{ pattern: /\bstyle\.md\b/, instead: "the rule itself, or a doc in docs/" },
	{
		pattern: /\b[Ss]eeds? ?0\d\d|\bseeds?\//,
		instead: "docs/architecture.md (requirements), docs/demo.md",
	},
	{
		pattern: /\bissues? ?#?\d+\b(?! buyer)|\bissue "/,
		instead: "the doc that describes the feature",
	},
	{ pattern: /\/work\/|\/home\//, instead: "a path inside the repository" },
	{ pattern: /RUNTIME-NOTES\.md|\bBENCH\.md/, instead: "docs/measurements/" },
];

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return files(path);
		return SOURCE.test(name) ? [path] : [];
	});
}

describe("citations in code", () => {
	it("point at documents inside the repository", () => {
		const found: string[] = [];
		for (const file of SCANNED.flatMap((dir) => files(join(ROOT, dir)))) {
			const path = relative(ROOT, file);
			if (path === SELF) continue;
			readFileSync(file, "utf8")
				.split("\n")
				.forEach((line, i) => {
					for (const { pattern, instead } of FORBIDDEN) {
						if (pattern.test(line))
							found.push(`${path}:${i + 1}: ${line.trim()}  → cite ${instead}`);
					}
				});
		}
		expect(found).toEqual([]);
	});

	it("name documents that exist", () => {
		// A path under docs/ in a comment, as written (test/unit/doc-links.test.ts checks the
		// links of the pages themselves).
		const cited = /\bdocs\/[\w./-]*[\w-]\.md\b/g;
		const missing: string[] = [];
		for (const file of SCANNED.flatMap((dir) => files(join(ROOT, dir)))) {
			const path = relative(ROOT, file);
			if (path === SELF) continue;
			readFileSync(file, "utf8")
				.split("\n")
				.forEach((line, i) => {
					for (const [doc] of line.matchAll(cited)) {
						if (!existsSync(join(ROOT, doc))) missing.push(`${path}:${i + 1}: ${doc}`);
					}
				});
		}
		expect(missing).toEqual([]);
	});
});
