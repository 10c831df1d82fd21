// `npm run bench:shards -- …` arguments (cli/bench-shards.ts): parsed and checked before
// anything starts, so a typo is one line naming it and the usage, exit 2, as bench's are
// (cli/bench/args.ts), never a stack trace.

import { parseArgs } from "node:util";
import { MAX_CONNECTIONS, MAX_DURATION_SEC } from "../lib/load.ts";

const FULL = { durationSec: 10, warmupSec: 2 };
const QUICK = { durationSec: 4, warmupSec: 1 };
const DEFAULT_CONNECTIONS = 64;
/** OBJECT_CALLS_PER_SEC at most, as the configuration allows (src/domain/bounds.ts). */
export const MAX_OBJECT_LIMIT = 100_000;

export const SHARDS_USAGE = `usage: npm run bench:shards -- [--quick] [--object-limit N] [--room] [--connections N]
                              [--duration N] [--json] [--no-write]
  --quick           4 s a row instead of 10
  --object-limit N  start the server with OBJECT_CALLS_PER_SEC=N, 0..${MAX_OBJECT_LIMIT} (default 0: none)
  --room            each K also with a waiting room every session was admitted to
  --connections N   keep-alive connections, 1..${MAX_CONNECTIONS} (default ${DEFAULT_CONNECTIONS})
  --duration N      seconds a row, 1..${MAX_DURATION_SEC}
  --json            the last stdout line is {"rows":[…],"endGame":[…]}
  --no-write        write no table file
A run at the full preset (no --quick, no --duration) rewrites docs/measurements/shards-bench*.md;
any other run writes its table under reports/ (docs/benchmarks.md).
`;

export interface ShardsArgs {
	quick: boolean;
	json: boolean;
	room: boolean;
	noWrite: boolean;
	/** `--duration`, as given (undefined: the preset's); decides where the table goes. */
	duration: string | undefined;
	objectLimit: number;
	connections: number;
	durationSec: number;
	warmupSec: number;
}

export type ParsedShardsArgs =
	| { ok: true; args: ShardsArgs }
	| { ok: false; problem: string }
	| { ok: false; help: true };

export function parseShardsArgs(argv: string[]): ParsedShardsArgs {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			args: argv,
			options: {
				quick: { type: "boolean", default: false },
				json: { type: "boolean", default: false },
				"object-limit": { type: "string", default: "0" },
				connections: { type: "string", default: String(DEFAULT_CONNECTIONS) },
				duration: { type: "string" },
				"no-write": { type: "boolean", default: false },
				room: { type: "boolean", default: false },
				help: { type: "boolean", short: "h" },
			},
		}).values;
	} catch (error) {
		return { ok: false, problem: (error as Error).message };
	}
	if (values.help === true) return { ok: false, help: true };
	const problems: string[] = [];
	const int = (name: string, raw: string, min: number, max: number): number => {
		const n = Number(raw);
		if (!Number.isInteger(n) || n < min || n > max) {
			problems.push(`--${name} must be an integer ${min}..${max}, got ${JSON.stringify(raw)}`);
			return min;
		}
		return n;
	};
	const preset = values.quick === true ? QUICK : FULL;
	const duration = values.duration as string | undefined;
	const args: ShardsArgs = {
		quick: values.quick === true,
		json: values.json === true,
		room: values.room === true,
		noWrite: values["no-write"] === true,
		duration,
		objectLimit: int("object-limit", String(values["object-limit"]), 0, MAX_OBJECT_LIMIT),
		connections: int("connections", String(values.connections), 1, MAX_CONNECTIONS),
		durationSec: duration ? int("duration", duration, 1, MAX_DURATION_SEC) : preset.durationSec,
		warmupSec: preset.warmupSec,
	};
	if (problems.length > 0) return { ok: false, problem: problems.join("; ") };
	return { ok: true, args };
}
