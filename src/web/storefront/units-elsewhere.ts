// The session's units this tab does not see (another tab's, another browser's), as the server
// counted them in a reserve's 403 `purchase_limit` (`error.limit`, docs/api.md). The Quantity
// choice follows them while the page knows them, not only while the refusal's words are on
// screen: a Reserve, a Release or another notice of this tab does not change what is held
// elsewhere (docs/decisions/123-empty-regions-and-the-limits-count.md). Pure, unit-tested in Node:
// test/unit/storefront-units-elsewhere.test.ts.

import type { LimitCount } from "./tab-news.ts";

export interface UnitsElsewhere {
	/** The session the count is of: another session's units are not this buyer's. */
	sessionId: string;
	/** The server's count less this tab's own units (paid and held) when it answered. */
	units: number;
	/**
	 * Until when, on the server's clock, the count is known: a hold it counted ends by then (the
	 * refusal's time plus the drop's hold length). Paid units last, but the page cannot tell them
	 * from holds; after this, the server's next refusal says the count again.
	 */
	untilServerMs: number;
}

/** What a refusal's count says of the units elsewhere; null when it said no count. */
export function elsewhereFromRefusal(
	limit: LimitCount | undefined,
	ownUnits: number,
	sessionId: string,
	atServerMs: number,
	holdSeconds: number,
): UnitsElsewhere | null {
	const used = limit?.usedUnits ?? null;
	if (used === null) return null;
	return {
		sessionId,
		units: Math.max(0, used - ownUnits),
		untilServerMs: atServerMs + holdSeconds * 1000,
	};
}

/**
 * What the session's read of its holds counted (`GET /api/products/:sku/holds/mine`,
 * `usedUnits`): the units elsewhere are those less this tab's own (with the hold the read put on
 * screen), known a hold length from the read, as a refusal's count.
 */
export function elsewhereFromRead(
	usedUnits: number,
	ownUnits: number,
	sessionId: string,
	atServerMs: number,
	product: { holdSeconds: number } | null,
): UnitsElsewhere | null {
	return elsewhereFromRefusal(
		{ usedUnits, perUserLimit: null },
		ownUnits,
		sessionId,
		atServerMs,
		product?.holdSeconds ?? 0,
	);
}

/**
 * After another tab of the session released `freedUnits` (null: a release that did not say how
 * many): fewer units elsewhere, or nothing known.
 */
export function elsewhereAfterFreed(
	known: UnitsElsewhere | null,
	freedUnits: number | null,
): UnitsElsewhere | null {
	if (known === null || freedUnits === null) return null;
	const units = known.units - freedUnits;
	return units > 0 ? { ...known, units } : null;
}

/** The units elsewhere the page still knows of, for this session now (0 when none). */
export function elsewhereNow(
	known: UnitsElsewhere | null,
	sessionId: string | null,
	serverNowMs: number,
): number {
	return known !== null && known.sessionId === sessionId && serverNowMs < known.untilServerMs
		? known.units
		: 0;
}
