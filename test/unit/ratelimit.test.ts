// The rate-limit counters with an injected clock: the exact numbers of the
// contract (200 a minute, one reset a minute), honest retry times, and the
// "never more than N in any window" promise as a property.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	RATE_LIMIT_READS,
	RATE_LIMIT_RESERVE,
	RATE_LIMIT_RESET,
	RATE_LIMIT_WINDOW_SECONDS,
	RATE_LIMIT_WRITES,
} from "../../src/domain/bounds.ts";
import {
	BoundedMap,
	retryAfterSeconds,
	SlidingWindow,
	TokenBucket,
} from "../../src/domain/rate-counters.ts";
import { rateLimitConfig } from "../../src/ratelimit/config.ts";
import { nth } from "../support/arrays.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const MINUTE_MS = 60_000;
const T0 = 1_750_000_000_000;

describe("SlidingWindow: 200 reserve attempts a minute", () => {
	it("admits 200 within a minute, refuses the 201st, and admits it after its Retry-After", () => {
		const w = new SlidingWindow(MINUTE_MS);
		// 200 attempts 150 ms apart: 30 s, well inside one minute.
		let now = T0;
		for (let i = 0; i < RATE_LIMIT_RESERVE; i++) {
			expect(w.hit(now, RATE_LIMIT_RESERVE)).toEqual({ ok: true });
			now += 150;
		}
		const refused = w.hit(now, RATE_LIMIT_RESERVE);
		expect(refused.ok).toBe(false);
		if (refused.ok) return;
		// The first attempt (at T0) leaves the window a minute later, give or take one slot.
		expect(T0 + MINUTE_MS).toBeLessThanOrEqual(now + refused.retryAfterMs);
		expect(now + refused.retryAfterMs).toBeLessThanOrEqual(T0 + MINUTE_MS + MINUTE_MS / 60);
		// Honest: a moment before it is still refused, at it the retry passes.
		expect(w.hit(now + refused.retryAfterMs - 1, RATE_LIMIT_RESERVE).ok).toBe(false);
		expect(w.hit(now + refused.retryAfterMs, RATE_LIMIT_RESERVE)).toEqual({ ok: true });
	});

	it("does not count refused attempts, so hammering never moves the Retry-After", () => {
		const w = new SlidingWindow(MINUTE_MS);
		for (let i = 0; i < 3; i++) w.hit(T0, 3);
		const first = w.hit(T0 + 10, 3);
		for (let t = T0 + 20; t < T0 + 30_000; t += 7) w.hit(t, 3);
		const later = w.hit(T0 + 30_000, 3);
		expect(first.ok || later.ok).toBe(false);
		if (first.ok || later.ok) return;
		expect(T0 + 10 + first.retryAfterMs).toBe(T0 + 30_000 + later.retryAfterMs);
		expect(w.count(T0 + 30_000)).toBe(3);
	});

	it("one reset a minute: the second within the minute is refused, the window passing restores it", () => {
		const w = new SlidingWindow(MINUTE_MS);
		expect(w.hit(T0, RATE_LIMIT_RESET).ok).toBe(true);
		const second = w.hit(T0 + 45_000, RATE_LIMIT_RESET);
		expect(second.ok).toBe(false);
		expect(w.hit(T0 + MINUTE_MS + MINUTE_MS / 60, RATE_LIMIT_RESET).ok).toBe(true);
	});

	it("never admits more than the limit in any span of one window, and every Retry-After is honest", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 20 }),
				fc.integer({ min: 100, max: 10_000 }),
				fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }),
				(limit, windowMs, gaps) => {
					const w = new SlidingWindow(windowMs);
					const accepted: number[] = [];
					let now = 0;
					for (const gap of gaps) {
						now += gap;
						const d = w.hit(now, limit);
						if (d.ok) {
							accepted.push(now);
							continue;
						}
						expect(d.retryAfterMs).toBeGreaterThan(0);
						// Probe a copy: a retry exactly at the promised time passes.
						const copy = Object.assign(
							Object.create(SlidingWindow.prototype),
							structuredClone(w),
						) as SlidingWindow;
						expect(copy.hit(now + d.retryAfterMs, limit).ok).toBe(true);
					}
					for (let i = 0; i + limit < accepted.length; i++) {
						// The (i+limit)th accepted hit lies more than a window after the ith.
						expect(nth(accepted, i + limit) - nth(accepted, i)).toBeGreaterThanOrEqual(windowMs);
					}
				},
			),
			{ numRuns: 100 },
		);
	});
});

describe("TokenBucket: per-IP reads and writes", () => {
	it("allows a burst of the whole limit, then one per limit-th of the window", () => {
		const b = new TokenBucket(RATE_LIMIT_WRITES, T0);
		for (let i = 0; i < RATE_LIMIT_WRITES; i++)
			expect(b.take(T0, RATE_LIMIT_WRITES, MINUTE_MS).ok).toBe(true);
		const refused = b.take(T0, RATE_LIMIT_WRITES, MINUTE_MS);
		expect(refused).toEqual({ ok: false, retryAfterMs: MINUTE_MS / RATE_LIMIT_WRITES });
		expect(b.take(T0 + MINUTE_MS / RATE_LIMIT_WRITES - 1, RATE_LIMIT_WRITES, MINUTE_MS).ok).toBe(
			false,
		);
		expect(b.take(T0 + MINUTE_MS / RATE_LIMIT_WRITES, RATE_LIMIT_WRITES, MINUTE_MS).ok).toBe(true);
	});

	it("sustains the limit per window and no more", () => {
		const b = new TokenBucket(RATE_LIMIT_READS, T0);
		let admitted = 0;
		// Ten minutes of one request every 10 ms (6,000/min asked).
		for (let t = T0; t < T0 + 10 * MINUTE_MS; t += 10)
			if (b.take(t, RATE_LIMIT_READS, MINUTE_MS).ok) admitted++;
		expect(admitted).toBeLessThanOrEqual(11 * RATE_LIMIT_READS);
		expect(admitted).toBeGreaterThanOrEqual(10 * RATE_LIMIT_READS);
	});

	it("counts requests served before they were judged, into debt one window deep, with an honest Retry-After", () => {
		const b = new TokenBucket(5, T0);
		// 20 requests passed the check together; each is charged after its answer.
		for (let i = 0; i < 20; i++) b.charge(T0, 5, MINUTE_MS);
		// Not the 5 a take would have counted: the debt is 5 deep (one window's refill) ...
		const refused = b.take(T0, 5, MINUTE_MS);
		expect(refused).toEqual({ ok: false, retryAfterMs: (6 * MINUTE_MS) / 5 });
		// ... and repaid by then, not a moment before.
		expect(b.take(T0 + (6 * MINUTE_MS) / 5 - 1, 5, MINUTE_MS).ok).toBe(false);
		expect(b.take(T0 + (6 * MINUTE_MS) / 5, 5, MINUTE_MS).ok).toBe(true);
	});

	it("every Retry-After is honest", { timeout: PROPERTY_TIMEOUT_MS }, () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 1000 }),
				fc.integer({ min: 1000, max: 120_000 }),
				fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }),
				(limit, windowMs, gaps) => {
					const b = new TokenBucket(limit, 0);
					let now = 0;
					for (const gap of gaps) {
						now += gap;
						const d = b.take(now, limit, windowMs);
						if (d.ok) continue;
						const copy = Object.assign(
							Object.create(TokenBucket.prototype),
							structuredClone(b),
						) as TokenBucket;
						expect(copy.take(now + d.retryAfterMs, limit, windowMs).ok).toBe(true);
					}
				},
			),
			{ numRuns: 100 },
		);
	});
});

describe("helpers", () => {
	it("Retry-After is whole seconds, rounded up, at least 1", () => {
		expect(retryAfterSeconds(0)).toBe(1);
		expect(retryAfterSeconds(1)).toBe(1);
		expect(retryAfterSeconds(1000)).toBe(1);
		expect(retryAfterSeconds(1001)).toBe(2);
		expect(retryAfterSeconds(59_400)).toBe(60);
	});

	it("BoundedMap forgets the least recently used key first", () => {
		const m = new BoundedMap<number>(2);
		m.use("a", () => 1);
		m.use("b", () => 2);
		m.use("a", () => 0); // a is now the most recent
		m.use("c", () => 3);
		expect(m.peek("a")).toBe(1);
		expect(m.peek("b")).toBeUndefined();
		expect(m.size).toBe(2);
	});

	it("configuration: named defaults, environment overrides, RATE_LIMITS=off, bad values are errors naming the variable", () => {
		const defaults = rateLimitConfig({});
		expect(defaults).toMatchObject({
			windowMs: RATE_LIMIT_WINDOW_SECONDS * 1000,
			reserve: { verified: 200, new: 50, suspected: 1 },
			writes: 100,
			reads: 1000,
			reset: 1,
		});
		expect(rateLimitConfig({ RATE_LIMITS: "off" })).toBeNull();
		expect(rateLimitConfig({ RATE_LIMITS: "OFF " })).toBeNull();
		const small = rateLimitConfig({ RATE_LIMIT_WINDOW_SECONDS: "3", RATE_LIMIT_RESERVE: "20" });
		expect(small?.reserve).toMatchObject({ windowMs: 3000, verified: 20 });
		// A bad override never falls back to the default (or switches a limit off) unnoticed.
		const bad = () =>
			rateLimitConfig({
				RATE_LIMIT_RESERVE: "-5",
				RATE_LIMIT_WINDOW_SECONDS: "0",
				RATE_LIMIT_READS: "1.5",
			});
		expect(bad).toThrow(/RATE_LIMIT_RESERVE must be a whole number from 0 to 1000000, got "-5"/);
		expect(bad).toThrow(/RATE_LIMIT_WINDOW_SECONDS must be a number above 0/);
		expect(bad).toThrow(/RATE_LIMIT_READS must be a whole number/);
		expect(() => rateLimitConfig({ RATE_LIMITS: "no" })).toThrow(
			/RATE_LIMITS must be "on" or "off"/,
		);
	});

	it("the request clock is for tests: honoured with ENVIRONMENT local or test, refused elsewhere", () => {
		expect(rateLimitConfig({})).toMatchObject({
			clock: "system",
			reserve: { windowAtArrival: false },
		});
		for (const ENVIRONMENT of ["local", "test"]) {
			expect(rateLimitConfig({ RATE_LIMIT_CLOCK: "request", ENVIRONMENT })).toMatchObject({
				clock: "request",
				reserve: { windowAtArrival: true },
			});
		}
		for (const ENVIRONMENT of ["production", "staging", undefined]) {
			expect(() => rateLimitConfig({ RATE_LIMIT_CLOCK: "request", ENVIRONMENT })).toThrow(
				/RATE_LIMIT_CLOCK=request is for tests: it needs ENVIRONMENT local or test/,
			);
		}
		expect(() => rateLimitConfig({ RATE_LIMIT_CLOCK: "soon" })).toThrow(/RATE_LIMIT_CLOCK must be/);
	});
});
