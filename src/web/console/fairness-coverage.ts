// What the Fairness card's figures cover (stats' `fairness.countedSince` and `partial`, docs/api.md;
// docs/decisions/193-fairness-counted-since-the-object-woke.md). The reserve guard keeps each
// session's attempts and flags in the SKU's object only, and workerd evicts an idle object: once
// attempts came before its last start, the sessions whose attempts all failed then are missing, so
// the card says so and labels the figures "since" that time instead of presenting them as the
// drop's. Pure: no DOM, no Preact.

import type { FairnessStats } from "../../shared/types.ts";
import { time } from "../lib/format.ts";

/** The coverage fields; absent from a server older than decision 193. */
type Coverage = Partial<Pick<FairnessStats, "countedSince" | "partial">>;

/** The time the figures count from when they are partial; null when they are the whole drop's (or unknown). */
export function partialSince(f: Coverage, at: (iso: string) => string = time): string | null {
	if (f.partial !== true || f.countedSince === undefined) return null;
	return at(f.countedSince);
}

/** A figure's label: "Jain's index since 10:31:05" when the figures are partial. */
export function coveredLabel(label: string, f: Coverage, at?: (iso: string) => string): string {
	const since = partialSince(f, at);
	return since === null ? label : `${label} since ${since}`;
}

/** The card's sentence when the figures are partial, else null. */
export function coverageNote(f: Coverage, at?: (iso: string) => string): string | null {
	const since = partialSince(f, at);
	if (since === null) return null;
	return (
		`Counted since ${since}, when the SKU's object last started (an idle object sleeps and ` +
		`forgets): sessions whose attempts all failed before ${since} are not counted, nor the bot ` +
		`signals' word on sessions before then. These figures are not the whole drop's, and the ` +
		`Jain index is not its fairness.`
	);
}
