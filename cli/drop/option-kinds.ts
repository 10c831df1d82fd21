// Which options each kind of `npm run drop` takes (docs/drop-simulator.md, "Options by kind of
// run"; docs/decisions/154-drop-options-per-kind-of-run.md). A run given an option its kind does
// not use stops before anything is created (exit 2), with a line naming the option and why:
// an option is never accepted and then dropped.

/**
 * The kinds of run: the throughput drop in safe mode, the same in eventual mode (no checkouts
 * or cancels: its allocations cannot take them), and the fairness run (`--bots`).
 */
export type RunKind = "safe" | "eventual" | "fairness";

const DROP: readonly RunKind[] = ["safe", "eventual"];
const ALL: readonly RunKind[] = ["safe", "eventual", "fairness"];

/** Why a kind of run does not take an option: said after its name in the refusal. */
const FAIRNESS_WHY = "a fairness run (--bots) does not take it";
const EVENTUAL_WHY = "eventual allocations are not checked out or cancelled";

/**
 * Every option the parser knows, and the kinds that take it (`help` stops at the usage).
 * `--no-report` goes with every kind: a fairness run writes no report file, so it holds there.
 */
export const OPTION_KINDS: Readonly<Record<string, readonly RunKind[]>> = {
	url: ALL,
	stock: ALL,
	buyers: ALL,
	attempts: DROP,
	concurrency: DROP,
	"checkout-rate": ["safe"],
	"decline-rate": ["safe"],
	"cancel-rate": ["safe"],
	"idempotent-rate": DROP,
	duplicates: DROP,
	"random-quantity": DROP,
	"per-user-limit": DROP,
	"hold-seconds": DROP,
	shards: ALL,
	mode: DROP,
	json: ALL,
	"admin-token": ALL,
	"debug-token": ALL,
	sessions: ALL,
	"no-pacing": DROP,
	seed: ALL,
	"max-seconds": DROP,
	"report-dir": DROP,
	"no-report": ALL,
	bots: ["fairness"],
	room: ["fairness"],
	overbook: ["fairness"],
	"script-sessions": ["fairness"],
	"script-addresses": ["fairness"],
	help: ALL,
};

/**
 * One line per option given that `kind` does not take, in the order given; empty when all fit.
 * `given` holds the options' names as parsed (no leading dashes).
 */
export function refusedOptions(given: readonly string[], kind: RunKind): string[] {
	const lines: string[] = [];
	for (const name of given) {
		const kinds = OPTION_KINDS[name];
		if (kinds === undefined || kinds.includes(kind)) continue;
		if (kinds.length === 1 && kinds[0] === "fairness") lines.push(`--${name} goes with --bots`);
		else if (kind === "fairness") lines.push(`--${name}: ${FAIRNESS_WHY}`);
		else lines.push(`--${name} does not go with --mode eventual: ${EVENTUAL_WHY}`);
	}
	return lines;
}
