// The evaluator's CLIs given a bad argument: one line naming it and the usage, exit 2, no
// stack trace, nothing started; with --json, the drop's last stdout line is still the
// documented `{"verified":false,"error":…}` (docs/drop-simulator.md, docs/benchmarks.md).
// No server: every run here stops at its arguments.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lastJson, runDrop } from "../support/drop.ts";
import { type CommandResult, runCommand } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Only catches a run that went past its arguments (a bench run takes minutes). */
const ARGS_TIMEOUT_MS = 30_000;

const bench = (args: string[]): Promise<CommandResult> =>
	runCommand(process.execPath, [join(ROOT, "cli", "bench.ts"), ...args], {
		cwd: ROOT,
		timeoutMs: ARGS_TIMEOUT_MS,
	});

/** A Node stack frame, as an uncaught error prints it. */
const STACK_FRAME = /^\s+at .*(file:|node:)/m;

describe("npm run bench with a bad argument", () => {
	it.each([
		[["--bogus"], "bench: Unknown option '--bogus'"],
		[["--repeat", "3"], "bench: --repeat needs --targets"],
		[["--duration", "abc"], 'bench: --duration must be an integer 1..600, got "abc"'],
		[["--only", "lean,nope"], "bench: --only takes a comma-separated list of"],
		[["--targets", "--json"], "bench: --targets runs its own rows"],
	])("%j: one line naming it, the usage, exit 2, no stack", async (args, line) => {
		const run = await bench(args);
		expect(run.code, run.stderr).toBe(2);
		expect(run.stderr.split("\n")[0]).toContain(line);
		expect(run.stderr).toContain("usage: npm run bench");
		expect(run.stderr).not.toMatch(STACK_FRAME);
		expect(run.stderr).not.toContain("[bench] failed");
		expect(run.stdout).toBe("");
	});

	it("--help prints the usage, which says a whole run rewrites docs/measurements/bench.md", async () => {
		const run = await bench(["--help"]);
		expect(run.code).toBe(0);
		expect(run.stdout).toContain("usage: npm run bench");
		expect(run.stdout).toContain("rewrites docs/measurements/bench.md");
	});
});

const benchShards = (args: string[]): Promise<CommandResult> =>
	runCommand(process.execPath, [join(ROOT, "cli", "bench-shards.ts"), ...args], {
		cwd: ROOT,
		timeoutMs: ARGS_TIMEOUT_MS,
	});

describe("npm run bench:shards with a bad argument", () => {
	it.each([
		[["--bogus"], "bench:shards: Unknown option '--bogus'"],
		[["--connections", "abc"], 'bench:shards: --connections must be an integer 1..1024, got "abc"'],
		[
			["--object-limit", "1.5"],
			'bench:shards: --object-limit must be an integer 0..100000, got "1.5"',
		],
	])("%j: one line naming it, the usage, exit 2, no stack", async (args, line) => {
		const run = await benchShards(args);
		expect(run.code, run.stderr).toBe(2);
		expect(run.stderr.split("\n")[0]).toBe(line);
		expect(run.stderr).toContain("usage: npm run bench:shards");
		expect(run.stderr).not.toMatch(STACK_FRAME);
		expect(run.stderr).not.toContain("[bench:shards] starting");
		expect(run.stdout).toBe("");
	});

	it.each([["--help"], ["-h"]])(
		"%s prints the usage on stdout, exit 0, nothing started",
		async (flag) => {
			const run = await benchShards([flag]);
			expect(run.code, run.stderr).toBe(0);
			expect(run.stdout).toContain("usage: npm run bench:shards");
			expect(run.stderr).toBe("");
		},
	);
});

describe("npm run soak --help", () => {
	it.each([["--help"], ["-h"]])(
		"%s prints the usage on stdout, exit 0, nothing started",
		async (flag) => {
			const run = await runCommand(process.execPath, [join(ROOT, "cli", "soak.ts"), flag], {
				cwd: ROOT,
				timeoutMs: ARGS_TIMEOUT_MS,
			});
			expect(run.code, run.stderr).toBe(0);
			expect(run.stdout).toContain("usage: npm run soak");
			expect(run.stdout).toContain("--help");
			expect(run.stderr).toBe("");
		},
	);
});

describe("npm run drop --json with a bad argument", () => {
	it("prints the usage on stderr and the no-run JSON line on stdout, exit 2", async () => {
		const run = await runDrop(["--json", "--stock", "abc"], ARGS_TIMEOUT_MS);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('--stock must be an integer 1..10000000, got "abc"');
		expect(run.stderr).toContain("usage: npm run drop");
		const last = lastJson<{ verified: boolean; error: string }>(run);
		expect(last.verified).toBe(false);
		expect(last.error).toContain("--stock must be an integer");
	});

	it("a fairness run given an option it does not take: exit 2 naming it, the no-run line, nothing started", async () => {
		const run = await runDrop(["--json", "--bots", "0.2", "--attempts", "500"], ARGS_TIMEOUT_MS);
		expect(run.code).toBe(2);
		expect(run.stderr.split("\n")[0]).toBe("--attempts: a fairness run (--bots) does not take it");
		expect(run.stderr).toContain("usage: npm run drop");
		const last = lastJson<{ verified: boolean; error: string }>(run);
		expect(last).toEqual({
			verified: false,
			error: "--attempts: a fairness run (--bots) does not take it",
		});
	});

	it("without --json, stdout stays empty", async () => {
		const run = await runDrop(["--stock", "abc"], ARGS_TIMEOUT_MS);
		expect(run.code).toBe(2);
		expect(run.stdout).toBe("");
	});
});
