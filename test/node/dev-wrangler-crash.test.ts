// A crash of wrangler under `npm run dev` (scripts/dev.ts): its runtimes end before dev.ts exits
// and lets go of STATE_DIR's lock, so a next start never runs beside a runtime still serving that
// state (docs/decisions/185-review-34s-findings.md §3). Before, wrangler's two workerd lived on
// with no parent, still answering on wrangler's port. And it says so, with a failing status
// (before: status 0 and no word).

import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { DEV_READY_TIMEOUT_MS, type DevServer, startDev } from "../support/dev-server.ts";
import { waitUntil } from "../support/proc.ts";

const EXIT_WAIT_MS = 30_000;

/** The wrangler process serving `stateDir` (its command line names wrangler.js and the directory). */
function wranglerPid(stateDir: string): number {
	for (const name of readdirSync("/proc")) {
		if (!/^\d+$/.test(name)) continue;
		let argv: string[];
		try {
			argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
		} catch {
			continue;
		}
		if (argv.some((a) => a.endsWith("wrangler.js")) && argv.includes(stateDir)) return Number(name);
	}
	throw new Error(`no wrangler process serves ${stateDir}`);
}

/** Whether anything still answers on the loopback port. */
async function answers(port: number): Promise<boolean> {
	try {
		await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
		return true;
	} catch {
		return false;
	}
}

let dev: DevServer | undefined;
afterEach(async () => {
	await dev?.stop();
	dev = undefined;
});

describe.skipIf(process.platform !== "linux")("npm run dev when wrangler dies", () => {
	it(
		"ends wrangler's runtimes before it exits: nothing answers on wrangler's port after",
		async () => {
			dev = await startDev();
			const server = dev;
			expect(await answers(server.wranglerPort)).toBe(true);
			process.kill(wranglerPid(server.stateDir), "SIGKILL");
			await waitUntil("npm run dev to exit", async () => server.exited(), EXIT_WAIT_MS);
			expect(await answers(server.wranglerPort)).toBe(false);
			// It says why, and a shell or script does not take it for a clean stop
			// (docs/decisions/186-review-36s-findings.md §3): 128 + SIGKILL's 9.
			expect(server.output()).toContain(
				"wrangler dev exited (signal SIGKILL); npm run dev stopped",
			);
			expect(server.exitCode()).toBe(137);
		},
		DEV_READY_TIMEOUT_MS + 2 * EXIT_WAIT_MS,
	);
});
