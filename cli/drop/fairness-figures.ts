// The fairness figures of a drop (cli/drop/fairness.ts): pure, so the unit tests and
// any report can compute them from units per buyer.

export interface Fairness {
	humanShareOfDemand: number;
	humanShareOfUnits: number;
	humanShareRatio: number;
	/** Jain's index over the humans' units: (Σx)² / (n·Σx²); 1 is everyone equal. */
	jainIndex: number;
}

/** The fairness figures from units per buyer (`true`: a human). */
export function fairnessOf(units: readonly { human: boolean; units: number }[]): Fairness {
	const humans = units.filter((u) => u.human);
	const total = units.reduce((n, u) => n + u.units, 0);
	const humanUnits = humans.reduce((n, u) => n + u.units, 0);
	const share = units.length === 0 ? 0 : humans.length / units.length;
	const unitsShare = total === 0 ? 0 : humanUnits / total;
	const squares = humans.reduce((n, u) => n + u.units * u.units, 0);
	return {
		humanShareOfDemand: round(share),
		humanShareOfUnits: round(unitsShare),
		humanShareRatio: share === 0 ? 0 : round(unitsShare / share),
		jainIndex: squares === 0 ? 0 : round((humanUnits * humanUnits) / (humans.length * squares)),
	};
}

export function round(n: number): number {
	return Math.round(n * 1000) / 1000;
}
