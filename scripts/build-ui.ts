// Builds the UI (vite build → dist/client) when it is missing or older than its
// sources, so `npm start` always serves the current pages and stays fast when
// nothing changed. Run directly (`node scripts/build-ui.ts [--force]`) or from start.ts.
// Several test servers may start at once: a lock directory lets one build while
// the others wait, then they see a fresh build and skip it.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./config.ts";

const VITE = join(ROOT, "node_modules", "vite", "bin", "vite.js");
const OUT_DIR = join(ROOT, "dist", "client");
const OUT_MARKER = join(OUT_DIR, "index.html");
const LOCK = join(ROOT, "dist", ".ui-build-lock");
/** What the pages are built from (the mock imports the domain rules). */
const SOURCES = ["src/web", "src/shared", "src/domain", "vite.config.ts", "package-lock.json"];
const LOCK_WAIT_MS = 120_000;
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 180_000;

function newestMtimeMs(path: string): number {
	let stat: ReturnType<typeof statSync>;
	try {
		stat = statSync(path);
	} catch {
		return 0;
	}
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of readdirSync(path))
		newest = Math.max(newest, newestMtimeMs(join(path, entry)));
	return newest;
}

export function uiIsStale(): boolean {
	if (!existsSync(OUT_MARKER)) return true;
	// The newest output, not the marker's: a watcher's build writes only the files that changed
	// (decision 194), which may leave index.html as it was.
	const built = newestMtimeMs(OUT_DIR);
	return SOURCES.some((s) => newestMtimeMs(join(ROOT, s)) > built);
}

function tryLock(): boolean {
	try {
		mkdirSync(LOCK);
		return true;
	} catch {
		try {
			if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
				rmSync(LOCK, { recursive: true, force: true });
		} catch {
			// Released meanwhile.
		}
		return false;
	}
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function buildUi(options: { force?: boolean } = {}): void {
	mkdirSync(join(ROOT, "dist"), { recursive: true });
	const deadline = Date.now() + LOCK_WAIT_MS;
	while (!tryLock()) {
		if (Date.now() > deadline)
			throw new Error(`another UI build holds ${LOCK}; remove it if no build is running`);
		sleep(250);
	}
	try {
		if (!options.force && !uiIsStale()) return;
		const started = Date.now();
		const result = spawnSync(process.execPath, [VITE, "build", "--logLevel", "warn"], {
			cwd: ROOT,
			stdio: "inherit",
			env: { ...process.env, NODE_ENV: "production" },
		});
		if (result.status !== 0) {
			// A broken UI source must not take the API down with it: serve the last good
			// build, loudly. Without one (a fresh clone, CI) there is nothing to serve: fail.
			if (!options.force && existsSync(OUT_MARKER)) {
				console.warn("vite build failed (above); serving the previous UI build from dist/client");
				return;
			}
			throw new Error("vite build failed");
		}
		console.log(`built the UI into dist/client in ${Date.now() - started} ms`);
	} finally {
		rmSync(LOCK, { recursive: true, force: true });
	}
}

/**
 * `vite build --watch`: rebuilds the pages into the config's outDir on every change of their
 * sources, for `npm run dev` (scripts/dev.ts), whose `wrangler dev` serves that directory as the
 * Worker's assets. `configFile` defaults to the project's vite.config.ts. It stays in the caller's
 * process group, so a Ctrl-C or a kill of that group ends it too; `stopUiWatcher` ends it alone.
 */
export function watchUi(options: { cwd?: string; configFile?: string } = {}): ChildProcess {
	// Not emptied between builds: wrangler dev serves this directory while it is rebuilt, and an
	// emptied one answered the pages 500 for a moment. Old hashed files stay until a full build.
	const args = [VITE, "build", "--watch", "--no-emptyOutDir", "--logLevel", "warn"];
	if (options.configFile !== undefined) args.push("--config", options.configFile);
	return spawn(process.execPath, args, {
		cwd: options.cwd ?? ROOT,
		stdio: ["ignore", "inherit", "inherit"],
		env: { ...process.env, NODE_ENV: "production" },
	});
}

export function stopUiWatcher(watcher: ChildProcess): void {
	if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill("SIGTERM");
}

if (import.meta.url === `file://${process.argv[1]}`) {
	buildUi({ force: process.argv.includes("--force") });
}
