// The fairness figures the server reports (src/domain/fairness.ts): Jain's index,
// share ratios, and the split of the asking sessions by what the bot signals say;
// and the drop simulator's figures from its ground truth (cli/drop/fairness-figures.ts).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fairnessOf, serverViewOf } from "../../cli/drop/fairness-figures.ts";
import {
	jainIndex,
	type SessionUnits,
	serverFairness,
	shareRatio,
	signalOf,
} from "../../src/domain/fairness.ts";

const amounts = fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 });

describe("Jain's index", () => {
	it("is 1 when everyone got the same, 1/n when one took all, null before any unit", () => {
		expect(jainIndex([3, 3, 3, 3])).toBe(1);
		expect(jainIndex([5, 0, 0, 0])).toBe(0.25);
		expect(jainIndex([1, 1, 0, 0])).toBe(0.5);
		expect(jainIndex([0, 0])).toBeNull();
		expect(jainIndex([])).toBeNull();
	});

	it("lies in [1/n, 1] and does not change when every amount is scaled", () => {
		fc.assert(
			fc.property(amounts, fc.integer({ min: 1, max: 9 }), (xs, k) => {
				const j = jainIndex(xs);
				if (xs.every((x) => x === 0)) return j === null;
				const n = xs.length;
				const scaled = jainIndex(xs.map((x) => x * k)) as number;
				return j !== null && j >= 1 / n - 1e-12 && j <= 1 + 1e-12 && Math.abs(scaled - j) < 1e-12;
			}),
		);
	});

	it("with one unit at most per session, is the share of sessions served", () => {
		fc.assert(
			fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 80 }), (served) => {
				const xs: number[] = served.map((s) => (s ? 1 : 0));
				const k = xs.reduce((a, b) => a + b, 0);
				const j = jainIndex(xs);
				return k === 0 ? j === null : Math.abs((j as number) - k / xs.length) < 1e-12;
			}),
		);
	});
});

describe("share ratio", () => {
	it("is the group's share of units over its share of sessions", () => {
		expect(shareRatio(10, 100, 100, 1000)).toBeCloseTo(1);
		expect(shareRatio(5, 100, 100, 1000)).toBeCloseTo(0.5);
		expect(shareRatio(0, 100, 100, 1000)).toBe(0);
		expect(shareRatio(0, 0, 100, 1000)).toBeNull();
		expect(shareRatio(0, 10, 0, 1000)).toBeNull();
	});
});

describe("the server's figures", () => {
	const session = fc.record({
		units: fc.integer({ min: 0, max: 5 }),
		signal: fc.constantFrom("clear" as const, "flagged" as const, "unread" as const),
	});

	it("split every session and unit into exactly one group", () => {
		fc.assert(
			fc.property(fc.array(session, { maxLength: 100 }), (sessions: SessionUnits[]) => {
				const f = serverFairness(sessions, null, true);
				const groups = [f.clear, f.flagged, f.unread].filter((g) => g !== null);
				return (
					groups.reduce((n, g) => n + g.sessions, 0) === sessions.length &&
					groups.reduce((n, g) => n + g.units, 0) === f.units &&
					f.sessionsWithUnits === sessions.filter((s) => s.units > 0).length &&
					f.unitsPerAdmission === null
				);
			}),
		);
	});

	it("reports a drop where suspect sessions took more than their share", () => {
		// 2 clear sessions, 8 unread ones (a script's); 10 units: the clear ones got 1, the script 9.
		const sessions: SessionUnits[] = [
			{ units: 1, signal: "clear" },
			{ units: 0, signal: "clear" },
			...Array.from({ length: 8 }, (_, i) => ({
				units: i === 0 ? 2 : 1,
				signal: "unread" as const,
			})),
		];
		const f = serverFairness(sessions, 12, true);
		expect(f).toMatchObject({
			sessions: 10,
			units: 10,
			sessionsWithUnits: 9,
			clear: { sessions: 2, units: 1 },
			unread: { sessions: 8, units: 9 },
			flagged: { sessions: 0, units: 0 },
		});
		// Clear: 10 % of the units for 20 % of the sessions.
		expect(f.clearShareRatio).toBeCloseTo(0.5);
		expect(f.unitsPerAdmission).toBeCloseTo(10 / 12);
		// (10)² / (10 · (1 + 4 + 7)) = 100 / 120
		expect(f.jainIndex).toBeCloseTo(100 / 120);
	});

	it("leaves the groups out when the signals did not run", () => {
		const f = serverFairness([{ units: 1, signal: "unread" }], null, false);
		expect(f).toMatchObject({ sessions: 1, units: 1, jainIndex: 1, signals: false });
		expect([f.clear, f.flagged, f.unread, f.clearShareRatio]).toEqual([null, null, null, null]);
	});

	it("judges a session flagged before unread, unread before clear", () => {
		expect(signalOf(undefined)).toBe("unread");
		expect(signalOf({ read: true, everFlagged: true })).toBe("flagged");
		expect(signalOf({ read: false, everFlagged: true })).toBe("flagged");
		expect(signalOf({ read: false, everFlagged: false })).toBe("unread");
		expect(signalOf({ read: true, everFlagged: false })).toBe("clear");
	});
});

describe("the drop report's server view", () => {
	it("adds the flagged and unread groups into the suspect sessions, or says nothing without signals", () => {
		const on = serverFairness(
			[
				{ units: 1, signal: "clear" },
				{ units: 1, signal: "flagged" },
				{ units: 0, signal: "unread" },
				{ units: 1, signal: "unread" },
			],
			4,
			true,
		);
		expect(serverViewOf(on)).toMatchObject({
			suspectSessions: 3,
			unitsToSuspect: 2,
			// Clear: a third of the units for a quarter of the sessions.
			clearShareRatio: 1.333,
		});
		const off = serverViewOf(serverFairness([{ units: 1, signal: "unread" }], null, false));
		expect([off.suspectSessions, off.unitsToSuspect, off.clearShareRatio]).toEqual([
			null,
			null,
			null,
		]);
	});
});

describe("the fairness figures (cli/drop/fairness-figures.ts)", () => {
	it("share of demand and of units, their ratio, and Jain's index over the humans", () => {
		const units = [
			{ human: true, units: 1 },
			{ human: true, units: 1 },
			{ human: true, units: 0 },
			{ human: true, units: 0 },
			{ human: false, units: 1 },
			{ human: false, units: 1 },
			{ human: false, units: 0 },
			{ human: false, units: 0 },
		];
		expect(fairnessOf(units)).toEqual({
			humanShareOfDemand: 0.5,
			humanShareOfUnits: 0.5,
			humanShareRatio: 1,
			jainIndex: 0.5,
		});
		expect(
			fairnessOf([
				{ human: true, units: 2 },
				{ human: true, units: 2 },
				{ human: false, units: 4 },
			]).jainIndex,
		).toBe(1);
		expect(
			fairnessOf([
				{ human: true, units: 0 },
				{ human: false, units: 3 },
			]).humanShareRatio,
		).toBe(0);
	});
});
