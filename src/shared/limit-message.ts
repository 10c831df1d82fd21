// The 403 `purchase_limit` sentences, shared by the Worker (a reserve's and a join's refusal:
// src/worker/reserve-answer.ts, src/worker/routes/queue.ts) and the UI's mock server
// (src/web/mock/backend.ts), so that the mock says what the server says.
// docs/decisions/106-room-answers-limits-and-the-cost-lock.md,
// docs/decisions/111-the-storefronts-leftovers.md

/** What a refusal knows of the limit: its number, the session's units, the units asked for. */
export interface LimitFigures {
	perUserLimit?: number;
	/** Units the session holds or bought of the SKU, by the server's count. */
	usedUnits?: number;
	askedUnits?: number;
}

function units(n: number): string {
	return `${n} ${n === 1 ? "unit" : "units"}`;
}

/**
 * A reserve's sentence: the limit's number, and whether the session is already at it (or past
 * it: "3 units … past the limit of 2", as the join says) or only this quantity would cross it.
 * Undefined without the figures (an outcome stored before they were carried keeps the default
 * sentence).
 */
export function limitMessage(sku: string, figures: LimitFigures): string | undefined {
	const { perUserLimit, usedUnits, askedUnits } = figures;
	if (perUserLimit === undefined) return undefined;
	if (usedUnits === undefined) {
		// Eventual mode refuses a quantity over the limit before it counts the session's units.
		if (askedUnits === undefined) return undefined;
		return `The per-buyer limit of ${sku} is ${units(perUserLimit)}: this session asked for ${askedUnits}, more than it allows.`;
	}
	if (usedUnits >= perUserLimit) return `${atOrPastLimit(sku, perUserLimit, usedUnits)}.`;
	const asked = askedUnits === undefined ? "" : ` and asked for ${askedUnits}`;
	return `The per-buyer limit of ${sku} is ${units(perUserLimit)}: this session holds or bought ${usedUnits}${asked}, which would cross it.`;
}

/**
 * A join's sentence: no place in the queue for a session at the limit. It names the session's
 * count when it is past the limit (the operator lowered it since), "3 of 2" rather than "the
 * limit of 2".
 */
export function joinLimitMessage(sku: string, perUserLimit: number, usedUnits: number): string {
	return `${atOrPastLimit(sku, perUserLimit, usedUnits)}, so it gets no place in the queue: a turn could buy nothing.`;
}

/**
 * The session at the limit, or past it (the operator lowered it since): one wording for the
 * reserve's and the join's refusals, so two routes a second apart give the same count.
 */
function atOrPastLimit(sku: string, perUserLimit: number, usedUnits: number): string {
	return usedUnits > perUserLimit
		? `This session holds or bought ${units(usedUnits)} of ${sku}, past the per-buyer limit of ${units(perUserLimit)}`
		: `This session already holds or bought the per-buyer limit of ${units(perUserLimit)} of ${sku}`;
}
