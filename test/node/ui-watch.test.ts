// `npm run dev` rebuilds the pages as well as the Worker: scripts/dev.ts runs the UI watcher of
// scripts/build-ui.ts beside wrangler dev. Here that watcher runs on a throwaway Vite project (the
// project's own sources are never touched by a test): a change to a page's script reaches the
// built output without a restart, the directory is never emptied under a server that serves it,
// and stopping the watcher ends its process.

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stopUiWatcher, watchUi } from "../../scripts/build-ui.ts";

const WAIT = { timeout: 60_000, interval: 200 };

let watcher: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
	if (watcher !== undefined) {
		stopUiWatcher(watcher);
		if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill("SIGKILL");
	}
	if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
	watcher = undefined;
	dir = undefined;
});

/** The text of every script the build wrote, so a marker in the source can be looked for. */
function builtScripts(out: string): string {
	try {
		const assets = join(out, "assets");
		return readdirSync(assets)
			.filter((f) => f.endsWith(".js"))
			.map((f) => readFileSync(join(assets, f), "utf8"))
			.join("\n");
	} catch {
		return "";
	}
}

describe("the UI watcher of npm run dev", () => {
	it("rebuilds a page after its source changes, and stops with stopUiWatcher", async () => {
		dir = mkdtempSync(join(tmpdir(), "rg-ui-watch-"));
		const out = join(dir, "out");
		writeFileSync(
			join(dir, "index.html"),
			'<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>',
		);
		writeFileSync(join(dir, "main.js"), 'document.body.append("first-build-marker");\n');
		writeFileSync(
			join(dir, "vite.config.mjs"),
			`export default { root: ${JSON.stringify(dir)}, logLevel: "warn", build: { outDir: ${JSON.stringify(out)}, emptyOutDir: true } };\n`,
		);
		const running = watchUi({ cwd: dir, configFile: join(dir, "vite.config.mjs") });
		watcher = running;
		await expect.poll(() => builtScripts(out), WAIT).toContain("first-build-marker");

		const firstFiles = readdirSync(join(out, "assets"));
		writeFileSync(join(dir, "main.js"), 'document.body.append("changed-source-marker");\n');
		await expect.poll(() => builtScripts(out), WAIT).toContain("changed-source-marker");
		// The page that is served names the new build's script.
		const page = readFileSync(join(out, "index.html"), "utf8");
		const script = /assets\/[^"]+\.js/.exec(page)?.[0] ?? "";
		expect(readFileSync(join(out, script), "utf8")).toContain("changed-source-marker");
		// The directory is never emptied between builds (a server may be serving it): the first
		// build's files are still there.
		for (const f of firstFiles) expect(readdirSync(join(out, "assets"))).toContain(f);

		const exited = new Promise((resolve) => running.once("exit", resolve));
		stopUiWatcher(running);
		await exited;
		expect(running.exitCode !== null || running.signalCode !== null).toBe(true);
	});
});
