// The cost meter never goes down within one session (docs/demo.md, "Every JSON response
// carries a cost ledger"). Two things make a later answer report a lower running total than
// one already shown: answers of concurrent requests arriving out of order, and a restart of
// the server, which loses the session's spend it had not flushed yet (the last
// LEDGER_FLUSH_MS, 2 s, docs/hot-path/how-it-works.md). The meter keeps the highest total it has
// shown, and after a lost answer says why the server's is lower.

import type { CostLedger } from "../../shared/types.ts";
import type { DemoState } from "./demo-state.ts";

type Meter = Pick<DemoState, "cost" | "costToken" | "answerLost" | "costBehind">;

/** The meter after an answer carrying the session's ledger, sent with `token`. */
export function meterAfter(s: DemoState, reported: CostLedger, token: string | null): Meter {
	const shown = s.cost;
	if (shown === null || s.costToken !== token)
		return { cost: reported, costToken: token, answerLost: false, costBehind: null };
	if (reported.virtualUsd >= shown.virtualUsd)
		return { cost: reported, costToken: token, answerLost: false, costBehind: s.costBehind };
	return {
		cost: {
			...reported,
			virtualUsd: shown.virtualUsd,
			realUsd: Math.max(reported.realUsd, shown.realUsd),
		},
		costToken: token,
		answerLost: s.answerLost,
		costBehind: s.answerLost
			? { reportedUsd: reported.virtualUsd, shownUsd: shown.virtualUsd }
			: s.costBehind,
	};
}
