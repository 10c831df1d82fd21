// Issue 6: each page's JavaScript stays under 150 KB gzipped. Builds the UI into
// a temporary folder (never disturbing dist/client, which a running server may
// serve) and adds up, per HTML page, its entry chunk and every chunk it imports.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUDGET_GZIP_BYTES = 150 * 1024;
const PAGES = ["index.html", "console.html", "demo.html"];
/** Only catches a hung build (its own process group is killed then). */
const BUILD_TIMEOUT_MS = 90_000;

interface ManifestChunk {
	file: string;
	imports?: string[];
	isEntry?: boolean;
}

describe("UI bundle size", () => {
	const outDir = mkdtempSync(join(tmpdir(), "rg-ui-build-"));
	afterAll(() => rmSync(outDir, { recursive: true, force: true }));

	it("keeps every page's JavaScript under 150 KB gzipped", async () => {
		const build = await runCommand(
			process.execPath,
			[
				join(ROOT, "node_modules/vite/bin/vite.js"),
				"build",
				"--outDir",
				outDir,
				"--emptyOutDir",
				"--manifest",
				"--logLevel",
				"warn",
			],
			{ cwd: ROOT, timeoutMs: BUILD_TIMEOUT_MS },
		);
		expect(build.code, build.stderr).toBe(0);
		const manifest = JSON.parse(
			readFileSync(join(outDir, ".vite/manifest.json"), "utf8"),
		) as Record<string, ManifestChunk>;

		const sizes: Record<string, number> = {};
		for (const page of PAGES) {
			const entry = manifest[page];
			expect(entry, `${page} is an entry of the build`).toBeDefined();
			const files = new Set<string>();
			const visit = (key: string) => {
				const chunk = manifest[key];
				if (chunk === undefined || files.has(chunk.file)) return;
				files.add(chunk.file);
				for (const next of chunk.imports ?? []) visit(next);
			};
			visit(page);
			const js = [...files].filter((f) => f.endsWith(".js"));
			expect(js.length, `${page} loads JavaScript`).toBeGreaterThan(0);
			sizes[page] = js.reduce(
				(sum, f) => sum + gzipSync(readFileSync(join(outDir, f))).byteLength,
				0,
			);
		}
		console.log(
			"gzipped JS per page:",
			Object.entries(sizes)
				.map(([p, b]) => `${p} ${(b / 1024).toFixed(1)} KB`)
				.join(", "),
		);
		for (const [page, bytes] of Object.entries(sizes)) {
			expect(bytes, `${page}: ${bytes} bytes gzipped`).toBeLessThan(BUDGET_GZIP_BYTES);
		}
	});
});
