// The pace of the product read that stands in for a missing live feed
// (src/web/storefront/useFallbackRead.ts, its schedule in src/web/api/live-protocol.ts): steady while it succeeds, the feed's backoff while
// it fails, never sooner than a Retry-After. A read that succeeds wakes the feed's socket once
// (src/web/storefront/fallback-reads.ts, src/web/api/live-source.ts `wake`): fake timers and a
// fake socket drive the clock.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import type { ApiErr, ApiResult } from "../../src/web/api/client.ts";
import { backoffMs, FALLBACK_READ_MS, nextReadInMs } from "../../src/web/api/live-protocol.ts";
import { type LiveSocketEvents, reconnectingSource } from "../../src/web/api/live-source.ts";
import { startFallbackReads } from "../../src/web/storefront/fallback-reads.ts";

describe("the storefront's read in place of the live feed", () => {
	it("comes every FALLBACK_READ_MS ± 20 % while reads succeed", () => {
		expect(nextReadInMs(0, null, () => 0)).toBe(FALLBACK_READ_MS * 0.8);
		expect(nextReadInMs(0, null, () => 0.5)).toBe(FALLBACK_READ_MS);
		expect(nextReadInMs(0, null, () => 1)).toBe(FALLBACK_READ_MS * 1.2);
	});

	it("backs off like the feed while reads fail, capped at the feed's 10 s", () => {
		for (const failures of [1, 2, 3, 6, 20])
			expect(nextReadInMs(failures, null, () => 0.5)).toBe(backoffMs(failures, () => 0.5));
		expect(nextReadInMs(20, null, () => 0.5)).toBe(10_000);
	});

	it("never reads sooner than the answer's Retry-After", () => {
		expect(nextReadInMs(1, 30, () => 0.5)).toBe(30_000);
		expect(nextReadInMs(0, 5, () => 0)).toBe(FALLBACK_READ_MS * 0.8);
	});
});

describe("a read in place of the feed that succeeds", () => {
	const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
	beforeEach(() => {
		vi.useFakeTimers();
		vi.setSystemTime(T0);
		// The feed's backoff at its middle: 0.5 s, 1 s, 2 s, 4 s, 8 s, 10 s…
		vi.spyOn(Math, "random").mockReturnValue(0.5);
	});
	afterEach(() => {
		vi.restoreAllMocks();
		vi.useRealTimers();
	});

	const product = { sku: "SKU-1" } as Product;
	const ok: ApiResult<Product> = {
		ok: true,
		status: 200,
		data: product,
		meta: { requestId: "req", durationMs: 1 } as never,
		roundTripMs: 1,
	};

	/** A feed whose every socket the server refuses, and the reads standing in for it. */
	function refusedFeed() {
		const opened: number[] = [];
		const source = reconnectingSource("http://shop.test", (_url, on: LiveSocketEvents) => {
			opened.push(Date.now() - T0);
			queueMicrotask(() => on.close());
			return { close() {}, send() {} };
		});
		const stopFeed = source.subscribe(
			"SKU-1",
			() => {},
			() => {},
			() => {},
		);
		let reads = 0;
		const loop = startFallbackReads({
			read: async () => {
				reads += 1;
				return ok;
			},
			product: () => {},
			readAt: () => {},
			// Reads due at 9 s, 18 s, 27 s…: apart from the feed's own attempts.
			random: () => 0.25,
			wake: () => source.wake?.(),
		});
		return {
			opened,
			reads: () => reads,
			stop() {
				loop.stop();
				stopFeed();
			},
		};
	}

	it("lets the waiting socket try at once, once per outage, not at every read", async () => {
		const feed = refusedFeed();
		// Refused at 0, 0.5, 1.5, 3.5 and 7.5 s: the next attempt waits 8 s, to 15.5 s.
		await vi.advanceTimersByTimeAsync(8_999);
		expect(feed.opened).toEqual([0, 500, 1_500, 3_500, 7_500]);
		expect(feed.reads()).toBe(0);
		// The read at 9 s succeeds: the socket tries then, not at 15.5 s.
		await vi.advanceTimersByTimeAsync(1);
		expect(feed.reads()).toBe(1);
		expect(feed.opened.at(-1)).toBe(9_000);
		// Refused again, it waits its own 10 s (to 19 s); the read at 18 s does not wake it again.
		await vi.advanceTimersByTimeAsync(9_500);
		expect(feed.reads()).toBe(2);
		expect(feed.opened).toEqual([0, 500, 1_500, 3_500, 7_500, 9_000]);
		await vi.advanceTimersByTimeAsync(500);
		expect(feed.opened.at(-1)).toBe(19_000);
		feed.stop();
	});
});

describe("a read in place of the feed, asked for at once", () => {
	const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
	beforeEach(() => {
		vi.useFakeTimers();
		vi.setSystemTime(T0);
	});
	afterEach(() => {
		vi.restoreAllMocks();
		vi.useRealTimers();
	});

	const product = { sku: "SKU-1" } as Product;
	const ok: ApiResult<Product> = {
		ok: true,
		status: 200,
		data: product,
		meta: { requestId: "req", durationMs: 1 } as never,
		roundTripMs: 1,
	};
	const busy = (retryAfterSeconds: number | null): ApiResult<Product> => ({
		ok: false,
		status: 503,
		code: "unavailable",
		message: "Busy.",
		meta: null,
		retryAfterSeconds,
		roundTripMs: 1,
	});

	/** Reads answered from `answers` in turn (the last one again once they run out). */
	function loopOver(answers: ApiResult<Product>[]) {
		const at: number[] = [];
		const readAt: (number | null)[] = [];
		let back = 0;
		const loop = startFallbackReads({
			read: async () => {
				at.push(Date.now() - T0);
				return answers[Math.min(at.length - 1, answers.length - 1)] as ApiResult<Product>;
			},
			product: () => {},
			readAt: (ms) => readAt.push(ms === null ? null : ms - T0),
			back: () => {
				back += 1;
			},
			random: () => 0.5,
		});
		return { loop, at, readAt, back: () => back };
	}

	it("reads at once, then at the steady pace from that read", async () => {
		const l = loopOver([ok]);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(l.at).toEqual([]);
		l.loop.readNow();
		await vi.advanceTimersByTimeAsync(0);
		expect(l.at).toEqual([1_000]);
		expect(l.readAt).toEqual([1_000]);
		// The read due at 10 s was replaced: the next is one interval after the one just made.
		await vi.advanceTimersByTimeAsync(FALLBACK_READ_MS);
		expect(l.at).toEqual([1_000, 1_000 + FALLBACK_READ_MS]);
		l.loop.stop();
	});

	it("asks nothing while a read is in flight or a failed read's Retry-After runs", async () => {
		let answer: (r: ApiResult<Product>) => void = () => {};
		let reads = 0;
		const loop = startFallbackReads({
			read: () => {
				reads += 1;
				return new Promise((resolve) => {
					answer = resolve;
				});
			},
			product: () => {},
			readAt: () => {},
			random: () => 0.5,
		});
		loop.readNow();
		loop.readNow();
		expect(reads).toBe(1);
		answer(busy(30));
		await vi.advanceTimersByTimeAsync(0);
		loop.readNow();
		await vi.advanceTimersByTimeAsync(29_999);
		expect(reads).toBe(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(reads).toBe(2);
		loop.stop();
	});

	it("says the server is back when a read succeeds after failed ones, not after every success", async () => {
		const l = loopOver([ok, busy(null), busy(null), ok]);
		l.loop.readNow();
		await vi.advanceTimersByTimeAsync(0);
		expect(l.back()).toBe(0);
		// 10 s: fails; then the feed's backoff, 0.5 s: fails; 1 s later: succeeds.
		await vi.advanceTimersByTimeAsync(FALLBACK_READ_MS + 500 + 1_000);
		expect(l.at).toEqual([0, 10_000, 10_500, 11_500]);
		expect(l.readAt).toEqual([0, null, null, 11_500]);
		expect(l.back()).toBe(1);
		await vi.advanceTimersByTimeAsync(FALLBACK_READ_MS);
		expect(l.back()).toBe(1);
		l.loop.stop();
	});

	it("tells a refusal the store answered (429, 503) from no answer at all", async () => {
		const limited: ApiResult<Product> = {
			...(busy(2) as ApiErr),
			status: 429,
			code: "rate_limited",
		};
		const unreachable: ApiResult<Product> = {
			...(busy(null) as ApiErr),
			status: 0,
			code: "network_error",
		};
		const answers = [limited, busy(null), unreachable];
		const failed: boolean[] = [];
		let reads = 0;
		const loop = startFallbackReads({
			read: async () => answers[Math.min(reads++, answers.length - 1)] as ApiResult<Product>,
			product: () => {},
			readAt: () => {},
			failed: (answered) => failed.push(answered),
			random: () => 0.5,
		});
		loop.readNow();
		await vi.advanceTimersByTimeAsync(0);
		expect(failed).toEqual([true]);
		// Its Retry-After (2 s), then the feed's backoff (1 s).
		await vi.advanceTimersByTimeAsync(2_000 + 1_000);
		expect(failed).toEqual([true, true, false]);
		loop.stop();
	});
});
