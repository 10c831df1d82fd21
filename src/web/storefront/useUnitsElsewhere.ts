// The session's units elsewhere, as this tab knows them (units-elsewhere.ts): learned from a
// reserve's limit refusal, lowered by another tab's release, forgotten when another tab takes a
// hold (how many it took is the server's to say again) or once the count may be out of date.

import { useEffect, useState } from "preact/hooks";
import { elsewhereAfterFreed, elsewhereNow, type UnitsElsewhere } from "./units-elsewhere.ts";
import type { TabNewsState } from "./useTabNews.ts";
import { useOnFreed } from "./useTabNews.ts";

export function useUnitsElsewhere(
	tabs: Pick<TabNewsState, "freed" | "freedUnits" | "held">,
	sessionId: string | null,
	serverNowMs: number,
): { units: number; learn(known: UnitsElsewhere | null): void } {
	const [known, setKnown] = useState<UnitsElsewhere | null>(null);
	useOnFreed(tabs, (units) => setKnown((k) => elsewhereAfterFreed(k, units)));
	const heldNews = tabs.held?.n ?? 0;
	useEffect(() => {
		if (heldNews > 0) setKnown(null);
	}, [heldNews]);
	return { units: elsewhereNow(known, sessionId, serverNowMs), learn: setKnown };
}
