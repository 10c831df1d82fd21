// The bot-signal classifier on generated timings: scripts with exact intervals
// and bursts are flagged; eager people — irregular, or even trying to keep a
// rhythm — are not. Impatience is not a script.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	BURST_COUNT,
	classify,
	coefficientOfVariation,
	gapsOf,
	isBurst,
	isMachineRegular,
	REGULAR_GAPS,
	REGULAR_TRIM_GAPS,
	SessionSignals,
	trimmedCoefficientOfVariation,
} from "../../src/domain/botsignals.ts";
import { nth } from "../support/arrays.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { seededRandom as prng } from "../support/random.ts";

const T0 = 1_750_000_000_000;
const FLAG_MS = 600_000;

/** Normal deviate (Box–Muller). */
function normal(rand: () => number): number {
	return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function arrivals(gaps: number[]): number[] {
	let t = T0;
	return [t, ...gaps.map((g) => (t += g))];
}

/** The tiers a session goes through when its attempts arrive at these times. */
function tiersOf(times: number[], read = true): string[] {
	const s = new SessionSignals();
	if (read) s.markRead();
	return times.map((t) => s.observe(t, FLAG_MS));
}

describe("machine-regular intervals", () => {
	it("flags a script sending every 100 ms, even with a millisecond of network jitter", () => {
		const rand = prng(1);
		const gaps = Array.from({ length: 40 }, () => 100 + Math.round(rand() * 2 - 1));
		const tiers = tiersOf(arrivals(gaps));
		// Judged once REGULAR_GAPS gaps are in: attempt REGULAR_GAPS + 1 is the first suspected.
		expect(tiers.slice(0, REGULAR_GAPS)).toEqual(Array(REGULAR_GAPS).fill("verified"));
		expect(tiers.slice(REGULAR_GAPS)).toEqual(Array(40 + 1 - REGULAR_GAPS).fill("suspected"));
	});

	it("still flags the script when a GC pause or timer hiccup breaks its rhythm once", () => {
		const gaps = Array(45).fill(100);
		gaps[12] = 134;
		gaps[13] = 66;
		const tiers = tiersOf(arrivals(gaps));
		expect(tiers.indexOf("suspected")).toBe(REGULAR_GAPS);
		expect(trimmedCoefficientOfVariation(gaps.slice(0, REGULAR_GAPS), REGULAR_TRIM_GAPS)).toBe(0);
	});

	it("flags exact intervals at any pace from 20 ms to a minute", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(fc.integer({ min: 20, max: 60_000 }), (intervalMs) => {
				expect(isMachineRegular(Array(REGULAR_GAPS).fill(intervalMs))).toBe(true);
			}),
			{ numRuns: 100 },
		);
	});

	it("does not flag an eager person clicking with irregular gaps of tens to hundreds of ms", () => {
		for (let seed = 0; seed < 200; seed++) {
			const rand = prng(seed);
			const gaps = Array.from({ length: 250 }, () => 20 + Math.round(rand() * 380));
			expect(tiersOf(arrivals(gaps)).every((t) => t === "verified")).toBe(true);
		}
	});

	it("does not flag a person trying to keep a rhythm (timing varies ~5%, as steady human tapping does)", () => {
		for (let seed = 0; seed < 200; seed++) {
			const rand = prng(seed);
			const beat = 120 + rand() * 400;
			const gaps = Array.from({ length: 250 }, () =>
				Math.max(20, Math.round(beat * (1 + 0.05 * normal(rand)))),
			);
			expect(tiersOf(arrivals(gaps)).includes("suspected")).toBe(false);
		}
	});

	it("coefficient of variation: 0 for identical gaps, sd/mean otherwise, Infinity for nothing", () => {
		expect(coefficientOfVariation([100, 100, 100])).toBe(0);
		expect(coefficientOfVariation([90, 110])).toBeCloseTo(0.1, 10);
		expect(coefficientOfVariation([])).toBe(Number.POSITIVE_INFINITY);
		expect(coefficientOfVariation([0, 0])).toBe(Number.POSITIVE_INFINITY);
	});

	it("needs a full set of gaps before it judges", () => {
		expect(isMachineRegular(Array(REGULAR_GAPS - 1).fill(100))).toBe(false);
	});
});

describe("bursts", () => {
	it("flags twenty attempts at once (a parallel script)", () => {
		const times = Array.from({ length: BURST_COUNT }, (_, i) => T0 + i);
		expect(isBurst(times)).toBe(true);
		const s = new SessionSignals();
		s.markRead();
		let tier = "verified";
		for (const t of times) tier = s.observe(t, FLAG_MS);
		expect(tier).toBe("suspected");
		expect(s.flag).toBe("burst");
	});

	it("does not flag the fastest clicking a person manages (about 14 a second)", () => {
		const rand = prng(7);
		const gaps = Array.from({ length: 100 }, () => 60 + Math.round(rand() * 20));
		expect(tiersOf(arrivals(gaps)).every((t) => t === "verified")).toBe(true);
		expect(isBurst(arrivals(gaps))).toBe(false);
	});
});

describe("tiers", () => {
	it("a session that has not read the product is new; reading makes it verified; a flag outranks both", () => {
		expect(classify({ read: false, flagged: false })).toBe("new");
		expect(classify({ read: true, flagged: false })).toBe("verified");
		expect(classify({ read: true, flagged: true })).toBe("suspected");
		expect(classify({ read: false, flagged: true })).toBe("suspected");
		const s = new SessionSignals();
		expect(s.observe(T0, FLAG_MS)).toBe("new");
		s.markRead();
		expect(s.observe(T0 + 300, FLAG_MS)).toBe("verified");
	});

	it("a flag lasts its time after the last regular attempt, then the session is judged afresh", () => {
		const s = new SessionSignals();
		s.markRead();
		const times = arrivals(Array(REGULAR_GAPS).fill(100));
		for (const t of times) s.observe(t, FLAG_MS);
		const last = nth(times, -1);
		expect(s.tier(last + FLAG_MS - 1)).toBe("suspected");
		expect(s.tier(last + FLAG_MS)).toBe("verified");
	});

	it("arrivals out of order never make negative gaps", () => {
		const s = new SessionSignals();
		s.observe(T0 + 500, FLAG_MS);
		s.observe(T0 + 100, FLAG_MS);
		expect(gapsOf(s.recent()).every((g) => g >= 0)).toBe(true);
	});
});
