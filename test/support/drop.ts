// Runs the drop simulator (`cli/drop.ts`) as a child process, as `npm run drop`
// would (in its own process group, killed on timeout: proc.ts runCommand), and
// reads the JSON object on the last line of its stdout.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { DropResult } from "../../cli/drop/report.ts";
import { type CommandResult, runCommand } from "./proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The whole stdout is kept: the result is its last line, the progress lines explain a failure. */
const OUTPUT_BYTES = 4 * 1024 * 1024;

export type DropRun = CommandResult;

/** `timeoutMs` only catches a hung child: the run bounds itself with --max-seconds. */
export function runDrop(
	args: string[],
	timeoutMs: number,
	onStderr?: (chunk: string) => void,
): Promise<DropRun> {
	return runCommand(process.execPath, [join(ROOT, "cli", "drop.ts"), ...args], {
		cwd: ROOT,
		timeoutMs,
		outputBytes: OUTPUT_BYTES,
		...(onStderr === undefined ? {} : { onStderr }),
	});
}

/** The arguments every full drop in the tests passes (the run's shape); a test adds its own. */
export function dropArgs(run: {
	url: string;
	stock: number;
	attempts: number;
	buyers: number;
	perUserLimit: number;
	holdSeconds: number;
	concurrency?: number;
}): string[] {
	return [
		...["--url", run.url, "--stock", String(run.stock), "--attempts", String(run.attempts)],
		...["--buyers", String(run.buyers), "--per-user-limit", String(run.perUserLimit)],
		...["--concurrency", String(run.concurrency ?? 64), "--hold-seconds", String(run.holdSeconds)],
	];
}

/** The last stdout line as JSON (a result, or `{verified:false,error}` when no run happened). */
export function lastJson<T = DropResult>(run: DropRun): T {
	const last = run.stdout.trim().split("\n").at(-1) ?? "";
	try {
		return JSON.parse(last) as T;
	} catch {
		throw new Error(`no JSON on the last line (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
	}
}

/** The run's result, failing the test unless it finished and verified with no oversell. */
export function verifiedResult(run: DropRun): DropResult {
	const result = lastJson(run);
	expect(result.failures, run.stderr).toEqual([]);
	expect(result.verified).toBe(true);
	expect(run.code).toBe(0);
	expect(result.oversell).toBe(0);
	return result;
}
