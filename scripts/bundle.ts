// The Worker exactly as `wrangler deploy` would upload it, for the lean local runtime
// (scripts/runtime.ts), cached by the hash of what it is built from.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ROOT } from "./config.ts";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const BUNDLE_TIMEOUT_MS = 120_000;
/** Bundles by content hash of their inputs, so a start with unchanged sources skips wrangler. */
const BUNDLE_CACHE_DIR = join(ROOT, ".wrangler", "bundle");
/** What the bundle is built from: any change here means a new bundle. */
const BUNDLE_INPUTS = ["src", "wrangler.jsonc", "package-lock.json", "tsconfig.base.json"];

function hashInputs(): string {
	const hash = createHash("sha256");
	const visit = (relative: string) => {
		const path = join(ROOT, relative);
		let stat: ReturnType<typeof statSync>;
		try {
			stat = statSync(path);
		} catch {
			return;
		}
		if (stat.isDirectory()) {
			for (const entry of readdirSync(path).sort()) visit(join(relative, entry));
			return;
		}
		hash.update(`${relative}\0`);
		hash.update(readFileSync(path));
		hash.update("\0");
	};
	for (const input of BUNDLE_INPUTS) visit(input);
	return hash.digest("hex").slice(0, 16);
}

async function run(
	args: string[],
	timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
	return await new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, {
			cwd: ROOT,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
		});
		let output = "";
		child.stdout.on("data", (chunk: Buffer) => {
			output += chunk;
		});
		child.stderr.on("data", (chunk: Buffer) => {
			output += chunk;
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
		child.once("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once("close", (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

/**
 * The Worker exactly as `wrangler deploy` would upload it (`--dry-run --outdir`: esbuild, no
 * network), cached under .wrangler/bundle by the hash of its inputs. Several test servers may
 * start at once: each bundles into its own directory and renames the result into place.
 * Needs the UI built first (wrangler checks that the assets directory exists).
 */
export async function bundleWorker(): Promise<string> {
	const cached = join(BUNDLE_CACHE_DIR, `${hashInputs()}.js`);
	try {
		return readFileSync(cached, "utf8");
	} catch {
		// Not bundled yet.
	}
	mkdirSync(BUNDLE_CACHE_DIR, { recursive: true });
	const outDir = mkdtempSync(join(BUNDLE_CACHE_DIR, "build-"));
	try {
		const result = await run(
			[WRANGLER, "deploy", "--dry-run", "--outdir", outDir],
			BUNDLE_TIMEOUT_MS,
		);
		if (result.code !== 0)
			throw new Error(`bundling the Worker failed (wrangler deploy --dry-run):\n${result.output}`);
		const contents = readFileSync(join(outDir, "index.js"), "utf8");
		// Older bundles are of no use any more; the newest replaces them.
		for (const entry of readdirSync(BUNDLE_CACHE_DIR)) {
			if (entry.endsWith(".js")) rmSync(join(BUNDLE_CACHE_DIR, entry), { force: true });
		}
		writeFileSync(join(outDir, "bundle.js"), contents);
		renameSync(join(outDir, "bundle.js"), cached);
		return contents;
	} finally {
		rmSync(outDir, { recursive: true, force: true });
	}
}
