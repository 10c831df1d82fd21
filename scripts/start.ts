// `npm start`: the whole product on this machine on the lean runtime (scripts/runtime.ts): API,
// pages and live WebSocket on one loopback socket that workerd owns, every binding local and
// persisted under STATE_DIR (default .wrangler/state, the layout `wrangler dev --persist-to`
// uses), D1 migrations applied before the socket accepts a connection, a demo product seeded on
// first start. Environment overrides: PORT, STATE_DIR and every variable of docs/configuration.md.
// `npm run dev` (scripts/dev.ts) runs the same under wrangler dev, with hot reload.

import { mkdirSync } from "node:fs";
import { buildUi } from "./build-ui.ts";
import { checkWorkerVars, serverSettings, workerVars } from "./config.ts";
import { type ProductRuntime, readWranglerConfig, startProduct } from "./runtime.ts";
import { adminTokenSource, readyLine, seedDemo, startGuide } from "./seed.ts";
import { lockStateDir } from "./state-lock.ts";

/** A stop that hangs (workerd not answering) still ends the process. */
const STOP_TIMEOUT_MS = 10_000;

let runtime: ProductRuntime | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
	if (!stopping) {
		stopping = true;
		const timer = setTimeout(() => process.exit(code), STOP_TIMEOUT_MS);
		timer.unref();
		await runtime?.stop().catch(() => undefined);
	}
	process.exit(code);
}

/**
 * `npm start` alone answers its signals: dispose Miniflare, then exit 0 (a second signal exits at
 * once). Miniflare installs handlers of its own when it starts (its exit hook) that kill workerd
 * and exit with 128+signal on the spot, before a dispose could finish; they are replaced, and its
 * `exit` hook stays as the last resort that kills workerd.
 */
function ownSignals(): void {
	for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
		process.removeAllListeners(signal);
		process.on(signal, () => void stop(0));
	}
}

async function main(): Promise<void> {
	ownSignals();
	const settings = serverSettings();
	// wrangler.jsonc's vars, then local.vars and the environment over them (as `--var` does for
	// wrangler dev), checked before anything starts: a bad value ends here with one line, and
	// before STATE_DIR is made or locked, so it leaves nothing there.
	const base = readWranglerConfig().vars;
	checkWorkerVars(base);
	mkdirSync(settings.stateDir, { recursive: true });
	// One server per state, refused before anything under it is read or written
	// (scripts/state-lock.ts); held until this process ends.
	const lock = lockStateDir(settings.stateDir, "npm start");
	// Again with the state's own IP hash secret (made on a first start).
	const vars = workerVars(settings.stateDir, base);
	// The pages are static assets of the same Worker: build them when missing or stale.
	buildUi();
	runtime = await startProduct({ vars, ...settings, lock });
	ownSignals();
	if (stopping) return;
	const seedProblem = await seedDemo(runtime.url, vars.ADMIN_TOKEN ?? "");
	// One write, so a reader that sees the ready line sees the lines under it too.
	const guide = startGuide(runtime.url, adminTokenSource(vars.ADMIN_TOKEN));
	console.log([readyLine(runtime.url, settings.stateDir, seedProblem), ...guide].join("\n"));
}

/** One line for the user, no stack: the runtime's own messages name wrangler's flags. */
function explain(error: unknown): string {
	if ((error as { code?: unknown })?.code === "ERR_ADDRESS_IN_USE") {
		const { host, port } = serverSettings();
		return `Address already in use: ${host}:${port} is taken by another server; stop it or set PORT.`;
	}
	return error instanceof Error ? error.message : String(error);
}

main().catch(async (error) => {
	console.error(explain(error));
	await stop(1);
});
