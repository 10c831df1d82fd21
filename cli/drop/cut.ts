// The sentence a cut run ends with (cli/drop.ts `cut`; docs/drop-simulator.md, exit 3): why,
// in which phase, what it left behind, and how its holds end, which depends on whether the
// server is still running.

/** The phases a run can be cut in (the JSON's `phase`), and how the sentence names them. */
export const CUT_PHASES = {
	setup: "creation of the drop's product",
	arrivals: "buyers' arrival before the start (reads of the product, queue joins)",
	reads: "buyers' reads of the product",
	burst: "burst",
	settle: "checkouts, cancels and expiry wait",
	records: "reading of the records",
} as const;
export type CutPhase = keyof typeof CUT_PHASES;

export function cutSentence(input: {
	phase: CutPhase;
	why: string;
	url: string;
	skus: readonly string[];
	/** The fairness run it was in, or "". */
	run: string;
	/** True when the server stopped answering (server-watch.ts), false when it still runs. */
	serverGone: boolean;
}): string {
	const { phase, why, url, skus, run, serverGone } = input;
	const during = run === "" ? CUT_PHASES[phase] : `${CUT_PHASES[phase]} of the ${run}`;
	const made =
		skus.length === 1
			? `${skus[0]} was created and stays`
			: `${skus.join(" and ")} were created and stay`;
	const holdsEnd = serverGone
		? "its holds end by themselves once the server runs again"
		: "its holds end by themselves at their expiresAt (the server still runs)";
	return `${why}, during the ${during}. ${made} in the catalogue of ${url} (there is no API to delete a product); ${holdsEnd}. Nothing was verified.`;
}
