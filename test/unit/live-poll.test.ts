// A split SKU's coordinator merging its shards for the feed (src/inventory/live-poll.ts,
// docs/decisions/148-a-listen-only-feed-kept.md): every LIVE_POLL_MS while a viewer heard from
// within the idle bound watches, every LIVE_SILENT_POLL_MS while only silent ones do, not at all
// once nobody does; a viewer's start cuts a silent wait short; while anyone watches the object's
// alarm is kept at most LIVE_WAKE_MS ahead (docs/decisions/150-a-coordinator-restarted-with-viewers.md).
// Fake timers drive the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Watchers } from "../../src/inventory/live.ts";
import {
	LIVE_POLL_MS,
	LIVE_SILENT_POLL_MS,
	LIVE_WAKE_MS,
	ShardsLivePoll,
} from "../../src/inventory/live-poll.ts";
import type { Availability } from "../../src/shared/types.ts";

const AVAILABILITY: Availability = {
	sku: "S",
	total: 10,
	available: 10,
	reserved: 0,
	sold: 0,
	status: "live",
	asOf: new Date(0).toISOString(),
};

function pollOf() {
	const host = { watchers: "heard" as Watchers, merges: 0, wakes: [] as number[] };
	const poll = new ShardsLivePoll({
		watchers: () => host.watchers,
		lastMerged: () => AVAILABILITY,
		merge: async () => {
			host.merges += 1;
			return AVAILABILITY;
		},
		changed: () => {},
		wakeBy: (atMs) => host.wakes.push(atMs),
	});
	return { host, poll };
}

/** Runs the clock `ms` forward, letting each merge's promise settle on the way. */
async function run(ms: number): Promise<void> {
	await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("ShardsLivePoll", () => {
	it("merges at the feed's pace while a heard viewer watches, at the silent pace while only silent ones do, and stops with none", async () => {
		const { host, poll } = pollOf();
		poll.start();
		await run(LIVE_POLL_MS * 10);
		expect(host.merges).toBe(10);
		expect(poll.pace()).toBe("fast");

		host.watchers = "silent";
		host.merges = 0;
		await run(LIVE_SILENT_POLL_MS * 3);
		// The wait set before the viewers fell silent, then one per silent pace.
		expect(host.merges).toBeLessThanOrEqual(4);
		expect(host.merges).toBeGreaterThanOrEqual(3);
		expect(poll.pace()).toBe("slow");

		host.watchers = "none";
		await run(LIVE_SILENT_POLL_MS);
		expect(poll.pace()).toBe("stopped");
		host.merges = 0;
		await run(LIVE_SILENT_POLL_MS * 3);
		expect(host.merges).toBe(0);
	});

	it("a viewer's start cuts the silent wait to the feed's pace", async () => {
		const { host, poll } = pollOf();
		host.watchers = "silent";
		poll.start();
		await run(LIVE_POLL_MS);
		expect(poll.pace()).toBe("slow");
		host.merges = 0;
		host.watchers = "heard";
		poll.start();
		expect(poll.pace()).toBe("fast");
		await run(LIVE_POLL_MS);
		expect(host.merges).toBe(1);
	});

	it("while anyone watches, asks for the alarm within LIVE_WAKE_MS after each merge; not once nobody does", async () => {
		const { host, poll } = pollOf();
		host.watchers = "silent";
		poll.start();
		await run(LIVE_POLL_MS);
		expect(host.wakes).toEqual([Date.now() + LIVE_WAKE_MS]);
		await run(LIVE_SILENT_POLL_MS);
		expect(host.wakes.at(-1)).toBe(Date.now() + LIVE_WAKE_MS);

		host.watchers = "none";
		host.wakes = [];
		await run(LIVE_SILENT_POLL_MS * 3);
		expect(host.wakes).toEqual([]);
	});
});
