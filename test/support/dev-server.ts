// `npm run dev` (scripts/dev.ts: wrangler dev) started for a node test in its own process group,
// with its own state directory, the test operator token and no rate limits; `stop` kills the
// group and removes the state. Shared by the tests that read what the dev server answers.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "../../src/shared/sleep.ts";
import { freePort, startDaemon } from "./proc.ts";
import { TEST_ADMIN_TOKEN } from "./server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** wrangler dev builds and starts two runtimes: slow on a loaded machine. */
export const DEV_READY_TIMEOUT_MS = 120_000;
const POLL_MS = 200;

/**
 * `port` is the loopback front (PORT); `wranglerPort` is wrangler dev's own port behind it, as
 * scripts/dev.ts prints it, for the tests that call it directly (it answers only the front).
 */
export type DevServer = {
	port: number;
	wranglerPort: number;
	stateDir: string;
	/** True once scripts/dev.ts has exited. */
	exited: () => boolean;
	/** scripts/dev.ts's exit status once it has exited (null before, or when a signal ended it). */
	exitCode: () => number | null;
	/** The tail of its output, stdout and stderr. */
	output: () => string;
	stop: () => Promise<void>;
};

/** scripts/dev.ts's line naming wrangler dev's port behind the front. */
const WRANGLER_PORT_LINE = /wrangler dev listens behind the front on http:\/\/127\.0\.0\.1:(\d+)/;

export async function startDev(): Promise<DevServer> {
	const stateDir = mkdtempSync(join(tmpdir(), "rg-state-"));
	const port = await freePort();
	const dev = startDaemon(process.execPath, [join(ROOT, "scripts", "dev.ts")], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			STATE_DIR: stateDir,
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			RATE_LIMITS: "off",
		},
	});
	const stop = async () => {
		await dev.stop();
		rmSync(stateDir, { recursive: true, force: true });
	};
	const deadline = Date.now() + DEV_READY_TIMEOUT_MS;
	try {
		while (!dev.output().includes("is running at")) {
			if (dev.exited()) throw new Error(`npm run dev exited:\n${dev.output()}`);
			if (Date.now() > deadline) throw new Error(`npm run dev did not start:\n${dev.output()}`);
			await sleep(POLL_MS);
		}
	} catch (error) {
		await stop();
		throw error;
	}
	const wranglerPort = Number(WRANGLER_PORT_LINE.exec(dev.output())?.[1]);
	if (!Number.isInteger(wranglerPort) || wranglerPort === 0) {
		await stop();
		throw new Error(`npm run dev did not say wrangler dev's port:\n${dev.output()}`);
	}
	return {
		port,
		wranglerPort,
		stateDir,
		exited: () => dev.exited(),
		exitCode: () => dev.child.exitCode,
		output: () => dev.output(),
		stop,
	};
}
