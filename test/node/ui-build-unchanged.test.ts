// A UI build writes only what changed (scripts/vite-unchanged.ts, decision 194): wrangler dev
// reloads its runtimes on any write under dist/client, so a build with nothing new, such as the
// first build of `npm run dev`'s watcher or of a second `npm run dev`, must leave every file
// as it was. Builds the project's UI into a temporary folder (never disturbing dist/client).

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PUBLIC = join(ROOT, "src/web/public");
/** Only catches a hung build (its own process group is killed then). */
const BUILD_TIMEOUT_MS = 90_000;

/** Every file under `dir` with its modification time in nanoseconds. */
function writtenAt(dir: string, prefix = ""): Record<string, bigint> {
	const out: Record<string, bigint> = {};
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		const stat = statSync(path, { bigint: true });
		if (stat.isDirectory()) Object.assign(out, writtenAt(path, `${prefix}${name}/`));
		else out[`${prefix}${name}`] = stat.mtimeNs;
	}
	return out;
}

async function build(outDir: string, empty: boolean): Promise<void> {
	const result = await runCommand(
		process.execPath,
		[
			join(ROOT, "node_modules/vite/bin/vite.js"),
			"build",
			"--outDir",
			outDir,
			empty ? "--emptyOutDir" : "--no-emptyOutDir",
			"--logLevel",
			"warn",
		],
		{ cwd: ROOT, timeoutMs: BUILD_TIMEOUT_MS },
	);
	expect(result.code, result.stderr).toBe(0);
}

describe("a UI build over an earlier one", () => {
	const outDir = mkdtempSync(join(tmpdir(), "rg-ui-unchanged-"));
	afterAll(() => rmSync(outDir, { recursive: true, force: true }));

	it("writes the public files, rewrites nothing unchanged, and writes back only what differs", async () => {
		await build(outDir, true);
		// The public directory's files are in the build, byte for byte.
		for (const name of readdirSync(PUBLIC))
			expect(readFileSync(join(outDir, name)).equals(readFileSync(join(PUBLIC, name)))).toBe(true);
		expect(readdirSync(join(outDir, "assets")).some((f) => f.endsWith(".js"))).toBe(true);
		const first = writtenAt(outDir);

		// Nothing changed: no file is written.
		await build(outDir, false);
		expect(writtenAt(outDir)).toEqual(first);

		// A page spoiled and a public file gone: those two are written again, nothing else.
		const page = readFileSync(join(outDir, "index.html"));
		writeFileSync(join(outDir, "index.html"), "spoiled");
		rmSync(join(outDir, "_headers"));
		const spoiled = writtenAt(outDir);
		await build(outDir, false);
		const after = writtenAt(outDir);
		expect(readFileSync(join(outDir, "index.html")).equals(page)).toBe(true);
		expect(
			readFileSync(join(outDir, "_headers")).equals(readFileSync(join(PUBLIC, "_headers"))),
		).toBe(true);
		const rewritten = Object.keys(after).filter((f) => after[f] !== spoiled[f]);
		expect(rewritten.sort()).toEqual(["_headers", "index.html"]);
	});
});
