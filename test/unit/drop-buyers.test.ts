// The drop simulator's buyers (cli/drop/buyers.ts) behave like people by the
// server's own rules (src/domain/botsignals.ts, the per-session window): one
// attempt at a time, pauses never shorter than the limit allows, never a burst,
// never a machine rhythm. Simulated time (fake timers), seeded randomness.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
	type Buyer,
	BuyerQueue,
	buyerIp,
	OPERATOR_IP,
	sendsClientIps,
	THINK_MIN_MS,
	thinkMinMs,
} from "../../cli/drop/buyers.ts";
import { gapsOf, isBurst, isMachineRegular } from "../../src/domain/botsignals.ts";
import { clientKey, DEFAULT_IPV6_PREFIX_BITS } from "../../src/domain/client-key.ts";
import { type RateLimitConfig, rateLimitConfig } from "../../src/ratelimit/config.ts";
import { seededRandom } from "../support/random.ts";

/** The configuration as the Worker parses it, with `verified` reserve attempts a window. */
function limits(verified: number, windowMs = 60_000): RateLimitConfig {
	return rateLimitConfig({
		RATE_LIMIT_RESERVE: String(verified),
		RATE_LIMIT_WINDOW_SECONDS: String(windowMs / 1000),
	}) as RateLimitConfig;
}

describe("thinkMinMs", () => {
	it("keeps a session under the limit in force, with the window's one-slot slack", () => {
		expect(thinkMinMs(null)).toBe(THINK_MIN_MS);
		// 200 a minute (the default): 305 ms apart at least, so the floor of 350 ms rules.
		expect(thinkMinMs(limits(200))).toBe(THINK_MIN_MS);
		// A stricter server: 20 a minute → at least 3,050 ms apart (plus margin).
		expect(thinkMinMs(limits(20))).toBeGreaterThanOrEqual(3_050);
		expect(thinkMinMs(limits(0))).toBe(THINK_MIN_MS);
	});
});

describe("buyer addresses", () => {
	it("are distinct per buyer and sent only to a loopback target", () => {
		const ips = new Set(Array.from({ length: 200_000 }, (_, i) => buyerIp(i)));
		expect(ips.size).toBe(200_000);
		// Distinct to the server too, which counts an IPv6 client by its /64.
		const keys = new Set([...ips].map((ip) => clientKey(ip, DEFAULT_IPV6_PREFIX_BITS)));
		expect(keys.size).toBe(200_000);
		expect(keys.has(clientKey(OPERATOR_IP, DEFAULT_IPV6_PREFIX_BITS))).toBe(false);
		expect(buyerIp(70_000)).toMatch(/^2001:db8:/);
		expect(sendsClientIps("http://127.0.0.1:8787")).toBe(true);
		expect(sendsClientIps("http://localhost:8787")).toBe(true);
		expect(sendsClientIps("http://[::1]:8787")).toBe(true);
		expect(sendsClientIps("https://shop.example.com")).toBe(false);
	});
});

describe("BuyerQueue with pacing", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	/** The next buyer, letting simulated time pass while everyone is pausing. */
	async function take(queue: BuyerQueue): Promise<Buyer | null> {
		let got: Buyer | null | undefined;
		void queue.next().then((b) => {
			got = b;
		});
		for (let k = 0; got === undefined && k < 1_000; k++) await vi.advanceTimersToNextTimerAsync();
		if (got === undefined) throw new Error("no buyer came back");
		return got;
	}

	it("hands out one attempt per buyer at a time, irregularly, never a burst or a rhythm", async () => {
		const buyers: Buyer[] = Array.from({ length: 4 }, (_, i) => ({
			sessionId: `s${i}`,
			token: `t${i}`,
			ip: buyerIp(i),
		}));
		const minMs = thinkMinMs(limits(200));
		const queue = new BuyerQueue(buyers, seededRandom(3), true, minMs);
		const arrivals = new Map<string, number[]>();
		const inFlight = new Set<string>();
		for (let i = 0; i < 400; i++) {
			const buyer = (await take(queue)) as Buyer;
			expect(inFlight.has(buyer.sessionId)).toBe(false);
			inFlight.add(buyer.sessionId);
			const times = arrivals.get(buyer.sessionId) ?? [];
			times.push(Date.now());
			arrivals.set(buyer.sessionId, times);
			// The answer arrives a little later (a few ms of simulated latency).
			await vi.advanceTimersByTimeAsync(5);
			inFlight.delete(buyer.sessionId);
			queue.rest(buyer);
		}
		queue.close();
		expect(await queue.next()).toBeNull();
		expect(arrivals.size).toBe(4);
		for (const times of arrivals.values()) {
			expect(times.length).toBeGreaterThan(50);
			const gaps = gapsOf(times);
			expect(Math.min(...gaps)).toBeGreaterThanOrEqual(minMs);
			for (let end = 31; end <= times.length; end++) {
				const window = times.slice(0, end);
				expect(isMachineRegular(gapsOf(window))).toBe(false);
				expect(isBurst(window)).toBe(false);
			}
			// Never more than the server's 200 in any minute.
			for (let a = 0; a < times.length; a++) {
				const inMinute = times.filter((t) => t >= (times[a] ?? 0) && t < (times[a] ?? 0) + 61_000);
				expect(inMinute.length).toBeLessThanOrEqual(200);
			}
		}
	});

	it("without pacing hands out any buyer at any time", async () => {
		const buyers: Buyer[] = [{ sessionId: "only", token: "t", ip: null }];
		const queue = new BuyerQueue(buyers, seededRandom(1), false, THINK_MIN_MS);
		expect(await queue.next()).toBe(buyers[0]);
		expect(await queue.next()).toBe(buyers[0]);
		queue.close();
		expect(await queue.next()).toBeNull();
	});
});
