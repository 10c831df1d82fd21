// Runs the drop simulator (`cli/drop.ts`) as a child process, as `npm run drop`
// would, and reads the JSON object on the last line of its stdout.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DropResult } from "../../cli/drop/report.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface DropRun {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** `timeoutMs` only catches a hung child: the run bounds itself with --max-seconds. */
export function runDrop(args: string[], timeoutMs: number): Promise<DropRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [join(ROOT, "cli", "drop.ts"), ...args], {
			cwd: ROOT,
			stdio: ["ignore", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (d) => {
			stdout += d;
		});
		child.stderr.on("data", (d) => {
			stderr += d;
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
		child.once("error", reject);
		child.once("close", (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
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
