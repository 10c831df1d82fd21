// `npm run drop`'s options per kind of run (cli/drop/options.ts, option-kinds.ts;
// docs/drop-simulator.md "Options by kind of run", decision 154): an option the run's kind does
// not use is refused with a line naming it (cli/drop.ts exits 2 on it), never accepted and
// dropped; `--shards` is taken by a fairness run too.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPTION_KINDS } from "../../cli/drop/option-kinds.ts";
import { parseOptions } from "../../cli/drop/options.ts";

const ENV = { ADMIN_TOKEN: "t", DEBUG_TOKEN: "d", PORT: "8787" };

/** A value each option parses with, so only the kind decides whether it is refused. */
const VALUE: Record<string, string | null> = {
	url: "http://127.0.0.1:8787",
	stock: "10",
	buyers: "10",
	attempts: "100",
	concurrency: "8",
	"checkout-rate": "0.5",
	"decline-rate": "0.1",
	"cancel-rate": "0.2",
	"idempotent-rate": "0.2",
	duplicates: "1",
	"random-quantity": null,
	"per-user-limit": "1",
	"hold-seconds": "30",
	shards: "4",
	mode: "safe",
	json: null,
	"admin-token": "t",
	"debug-token": "d",
	sessions: "public",
	"no-pacing": null,
	seed: "1",
	"max-seconds": "60",
	"report-dir": "reports",
	"no-report": null,
	bots: "0.2",
	room: "on",
	overbook: "0.1",
	"script-sessions": "2",
	"script-addresses": "each",
};

const arg = (name: string): string[] => {
	const value = VALUE[name];
	return value === null || value === undefined ? [`--${name}`] : [`--${name}`, value];
};

const refusal = (argv: string[]): string => {
	const parsed = parseOptions(argv, ENV);
	return parsed.ok ? "" : parsed.message;
};

describe("npm run drop: options per kind of run", () => {
	it.each([
		["--attempts", ["--bots", "0.2", "--attempts", "500"]],
		["--hold-seconds", ["--bots", "0.2", "--hold-seconds", "60"]],
		["--per-user-limit", ["--bots", "0.2", "--per-user-limit", "3"]],
		["--mode", ["--bots", "0.2", "--mode", "eventual"]],
		["--concurrency", ["--bots", "0.2", "--concurrency", "8"]],
		["--checkout-rate", ["--bots", "0.2", "--checkout-rate", "0.3"]],
		["--duplicates", ["--bots", "0.2", "--duplicates", "3"]],
		["--random-quantity", ["--bots", "0.2", "--random-quantity"]],
		["--no-pacing", ["--bots", "0.2", "--no-pacing"]],
		["--max-seconds", ["--bots", "0.2", "--max-seconds", "60"]],
		["--report-dir", ["--bots", "0.2", "--report-dir", "x"]],
	])("a fairness run refuses %s, naming it", (name, argv) => {
		expect(refusal(argv)).toBe(`${name}: a fairness run (--bots) does not take it`);
	});

	it.each([["--overbook"], ["--room"], ["--script-sessions"], ["--script-addresses"]])(
		"the drop refuses %s without --bots",
		(name) => {
			expect(refusal(arg(name.slice(2)))).toBe(`${name} goes with --bots`);
		},
	);

	it.each([["--checkout-rate"], ["--decline-rate"], ["--cancel-rate"]])(
		"an eventual drop refuses %s (its allocations are neither checked out nor cancelled)",
		(name) => {
			expect(refusal(["--mode", "eventual", ...arg(name.slice(2))])).toBe(
				`${name} does not go with --mode eventual: eventual allocations are not checked out or cancelled`,
			);
		},
	);

	it("--debug-token goes with --sessions public", () => {
		expect(refusal(["--debug-token", "d"])).toBe("--debug-token goes with --sessions public");
		expect(parseOptions(["--sessions", "public", "--debug-token", "d"], ENV).ok).toBe(true);
	});

	it("every refusal is listed, one line each", () => {
		expect(refusal(["--bots", "0.2", "--attempts", "5", "--shards", "4", "--no-pacing"])).toBe(
			[
				"--attempts: a fairness run (--bots) does not take it",
				"--no-pacing: a fairness run (--bots) does not take it",
			].join("\n"),
		);
	});

	it("a fairness run takes --shards (a split SKU with a room)", () => {
		const parsed = parseOptions(["--bots", "0.2", "--room", "on", "--shards", "4"], ENV);
		expect(parsed.ok && parsed.options.shards).toBe(4);
	});

	it("each kind takes every option its table lists, all at once", () => {
		for (const kind of ["safe", "eventual", "fairness"] as const) {
			const names = Object.keys(OPTION_KINDS).filter(
				(n) => n !== "help" && OPTION_KINDS[n]?.includes(kind),
			);
			const argv = names.flatMap((n) => {
				if (n === "mode") return ["--mode", kind === "fairness" ? "safe" : kind];
				return arg(n);
			});
			const parsed = parseOptions(argv, ENV);
			expect(parsed.ok ? "" : parsed.message, kind).toBe("");
		}
	});

	it("the table names options the parser knows", () => {
		expect(Object.keys(OPTION_KINDS).sort()).toEqual([...Object.keys(VALUE), "help"].sort());
		for (const name of Object.keys(VALUE))
			expect(refusal(arg(name)), name).not.toContain("Unknown option");
	});
});

/** docs/drop-simulator.md's drop commands (no --bots), continuation lines joined, comments cut. */
function documentedDrops(): string[][] {
	const doc = readFileSync(new URL("../../docs/drop-simulator.md", import.meta.url), "utf8");
	const commands = doc.replace(/\\\n\s*/g, " ").split("\n");
	return commands
		.filter((line) => line.startsWith("npm run drop -- ") && !line.includes("--bots"))
		.map((line) => (line.split("#")[0] ?? "").replace("npm run drop -- ", "").trim().split(/\s+/));
}

describe("docs/drop-simulator.md's drop examples", () => {
	it("parse, and make no more buyer sessions than they send attempts", () => {
		const drops = documentedDrops();
		expect(drops.length).toBeGreaterThanOrEqual(3);
		for (const argv of drops) {
			const parsed = parseOptions(argv, ENV);
			if (!parsed.ok) throw new Error(`${argv.join(" ")}: ${parsed.message}`);
			// A buyer with no attempt to make is a session made and a read sent for nothing (the
			// eventual example made 20,000 of them for 500 attempts).
			expect(parsed.options.buyers, argv.join(" ")).toBeLessThanOrEqual(parsed.options.attempts);
		}
	});
});
