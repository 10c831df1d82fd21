// `npm run bench -- …` arguments (cli/bench.ts): parsed and checked before anything starts,
// so a typo is one line naming it and the usage, exit 2, as the other CLIs answer
// (cli/drop/options.ts, cli/soak.ts), never a stack trace.

import { parseArgs } from "node:util";
import { MAX_CONNECTIONS, MAX_DURATION_SEC } from "../lib/load.ts";
import type { RunShape } from "./ours.ts";

export const STAGES = ["ceilings", "lean", "start", "peers"] as const;
export type Stage = (typeof STAGES)[number];

const DEFAULT_CONNECTIONS = 64;
// Quick has fifteen rows to run, so it barely waits for a quiet machine.
// Each baseline reading next to a row (cli/bench/baseline.ts) is a hello this long.
const FULL = { durationSec: 10, warmupSec: 2, quietWaitSec: 15, readingSec: 3 };
const QUICK = { durationSec: 4, warmupSec: 1, quietWaitSec: 3, readingSec: 2 };
/** Above any peak this machine reaches (cli/reserve-cpu.ts has the same bound for --rate). */
const MAX_HALF_RATE = 20_000;
/** Repetitions of a --targets run: the median of three is the least that outvotes one outlier. */
const DEFAULT_REPEAT = 3;
const MAX_REPEAT = 9;

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--duration N] [--connections N] [--dev-hello]
                       [--only STAGES] [--half-rate N]
       npm run bench -- --targets [--repeat N]
  --quick          4 s a row instead of 10
  --json           the last stdout line is {"rows":[…]}
  --duration N     seconds a row, 1..${MAX_DURATION_SEC}
  --connections N  keep-alive connections, 1..${MAX_CONNECTIONS} (default ${DEFAULT_CONNECTIONS})
  --dev-hello      also measure hello on \`npm run dev\` (wrangler dev)
  --only STAGES    a comma-separated subset of ${STAGES.join(", ")}
  --half-rate N    pace the half-peak rows at N req/s, 1..${MAX_HALF_RATE}
  --targets        only the rows the Targets table reads, repeated; each target on the median
  --repeat N       with --targets: repetitions, 1..${MAX_REPEAT} (default ${DEFAULT_REPEAT})
A whole run (no --only, no --half-rate, no --targets) rewrites docs/measurements/bench.md, the
committed table; every run writes reports/bench-<time>.json (docs/benchmarks.md).
`;

export interface BenchArgs {
	quick: boolean;
	devHello: boolean;
	json: boolean;
	targets: boolean;
	/** `--only`, as given (a partial run writes only its report). */
	only: string | undefined;
	halfRate: number | undefined;
	stages: ReadonlySet<Stage>;
	repeat: number;
	shape: RunShape;
}

export type ParsedBenchArgs =
	| { ok: true; args: BenchArgs }
	| { ok: false; problem: string }
	| { ok: false; help: true };

export function parseBenchArgs(argv: string[]): ParsedBenchArgs {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			args: argv,
			options: {
				quick: { type: "boolean", default: false },
				// Also measure hello on `npm run dev` (wrangler dev), to show what the lean runtime saves.
				"dev-hello": { type: "boolean", default: false },
				json: { type: "boolean", default: false },
				duration: { type: "string" },
				connections: { type: "string", default: String(DEFAULT_CONNECTIONS) },
				// A comma-separated subset of STAGES, for a quick look at a few rows; such a run
				// writes only its report, never docs/measurements/bench.md (a partial table would replace the whole one).
				only: { type: "string" },
				// Pace the half-peak rows at N req/s instead of half of the measured peak (comparing builds at one load).
				"half-rate": { type: "string" },
				// Only the rows the Targets table reads, repeated, each target decided on the median.
				targets: { type: "boolean", default: false },
				repeat: { type: "string" },
				help: { type: "boolean", short: "h" },
			},
		}).values;
	} catch (error) {
		return { ok: false, problem: (error as Error).message };
	}
	if (values.help === true) return { ok: false, help: true };
	const targets = values.targets === true;
	if (values.repeat !== undefined && !targets)
		return { ok: false, problem: "--repeat needs --targets" };
	if (targets && (values.only !== undefined || values["dev-hello"] || values.json))
		return {
			ok: false,
			problem: "--targets runs its own rows: not with --only, --dev-hello or --json",
		};
	const problems: string[] = [];
	const int = (name: string, raw: string, max: number): number => {
		const n = Number(raw);
		if (!Number.isInteger(n) || n < 1 || n > max) {
			problems.push(`--${name} must be an integer 1..${max}, got ${JSON.stringify(raw)}`);
			return 1;
		}
		return n;
	};
	const only = values.only as string | undefined;
	let stages: ReadonlySet<Stage> = new Set(STAGES);
	if (only !== undefined) {
		const picked = only.split(",").map((s) => s.trim());
		const unknown = picked.filter((s) => !(STAGES as readonly string[]).includes(s));
		if (unknown.length > 0 || picked.length === 0)
			problems.push(
				`--only takes a comma-separated list of ${STAGES.join(", ")}; got ${JSON.stringify(only)}`,
			);
		else stages = new Set(picked as Stage[]);
	}
	const repeat = targets ? int("repeat", String(values.repeat ?? DEFAULT_REPEAT), MAX_REPEAT) : 1;
	// A --targets run settles by repetition, not by long rows: each repetition has the quick shape.
	const preset = values.quick === true || targets ? QUICK : FULL;
	const halfRaw = values["half-rate"] as string | undefined;
	const halfRate = halfRaw === undefined ? undefined : int("half-rate", halfRaw, MAX_HALF_RATE);
	const duration = values.duration as string | undefined;
	const shape: RunShape = {
		connections: int("connections", String(values.connections), MAX_CONNECTIONS),
		durationSec: duration ? int("duration", duration, MAX_DURATION_SEC) : preset.durationSec,
		warmupSec: preset.warmupSec,
		quietWaitSec: preset.quietWaitSec,
		readingSec: preset.readingSec,
		...(halfRate === undefined ? {} : { halfRate }),
	};
	if (problems.length > 0) return { ok: false, problem: problems.join("; ") };
	return {
		ok: true,
		args: {
			quick: values.quick === true,
			devHello: values["dev-hello"] === true,
			json: values.json === true,
			targets,
			only,
			halfRate,
			stages,
			repeat,
			shape,
		},
	};
}
