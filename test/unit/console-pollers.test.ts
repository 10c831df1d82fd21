// The console's pollers after an outage (src/web/console/pollers.ts): the first poll that
// reaches the server again makes every other poller that is backing off ask at once,
// instead of each waiting out its own backoff (up to 30 s) while the page shows figures
// of different ages; a route that alone keeps failing keeps its backoff. Fake timers
// drive the clock: nothing waits on the machine.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { pollerGroup, schedule } from "../../src/web/console/pollers.ts";

beforeEach(() => {
	vi.useFakeTimers();
	vi.setSystemTime(Date.UTC(2026, 10, 30, 9, 0, 0));
});
afterEach(() => {
	vi.useRealTimers();
});

/** One server for every poll: down, then up. */
const server = { up: false };

/** A poll of `server` that notes when it got an answer. */
function pollOf() {
	const answeredAt: number[] = [];
	let asked = 0;
	const poll = async () => {
		asked += 1;
		if (server.up) answeredAt.push(Date.now());
		return server.up;
	};
	return { answeredAt, poll, asked: () => asked };
}

/** Every wait at the top of its range: the slowest the backoff can be. */
const slowest = () => 1;

/** Moves the clock a second at a time until `done` (at most `limitS` seconds). */
async function until(done: () => boolean, limitS: number): Promise<void> {
	for (let s = 0; s < limitS && !done(); s++) await vi.advanceTimersByTimeAsync(1_000);
}

describe("console pollers after an outage", () => {
	beforeEach(() => {
		server.up = false;
	});

	it("a poller alone waits out its own backoff", async () => {
		const p = pollOf();
		const poller = schedule(1_000, p.poll, () => {}, undefined, slowest);
		await vi.advanceTimersByTimeAsync(60_000);
		const asked = p.asked();
		server.up = true;
		await vi.advanceTimersByTimeAsync(5_000);
		// Its wait is 30 s by now: not asked in the next 5 s although the server is back.
		expect(p.asked()).toBe(asked);
		poller.stop();
	});

	it("the first poller to get an answer makes the others ask at once", async () => {
		const stats = pollOf();
		const events = pollOf();
		const metrics = pollOf();
		const statsWaits: (number | null)[] = [];
		const recovered: number[] = [];
		const group = pollerGroup(
			[
				{ baseMs: 1_000, poll: stats.poll, onWait: (at) => statsWaits.push(at) },
				{ baseMs: 1_500, poll: events.poll, onWait: () => {} },
				{ baseMs: 2_000, poll: metrics.poll, onWait: () => {} },
			],
			() => recovered.push(Date.now()),
			slowest,
		);
		// A minute down: every poller backs off to its longest waits; nothing answered.
		await vi.advanceTimersByTimeAsync(60_000);
		expect(recovered).toEqual([]);
		expect(statsWaits.at(-1)).not.toBeNull();

		// Back: whichever poller's timer runs out first gets an answer, and the others ask
		// at that same moment instead of 15-30 s apart.
		server.up = true;
		await until(() => recovered.length > 0, 40);
		const first = recovered[0] as number;
		await vi.advanceTimersByTimeAsync(0);
		expect(stats.answeredAt[0]).toBe(first);
		expect(events.answeredAt[0]).toBe(first);
		expect(metrics.answeredAt[0]).toBe(first);
		// The stats' "next try at" is gone with the answer.
		expect(statsWaits.at(-1)).toBeNull();
		group.stop();
	});

	it("a poller whose route alone keeps failing keeps its backoff beside pollers that answer", async () => {
		server.up = true;
		const stats = pollOf();
		let trailAsked = 0;
		const recovered: number[] = [];
		const group = pollerGroup(
			[
				{ baseMs: 1_000, poll: stats.poll, onWait: () => {} },
				{
					baseMs: 1_500,
					poll: async () => {
						trailAsked += 1;
						return false;
					},
					onWait: () => {},
				},
			],
			() => recovered.push(Date.now()),
			slowest,
		);
		await vi.advanceTimersByTimeAsync(60_000);
		// Doubling from 1.5 s, to 30 s: 1 + 5 asks in a minute, not one per stats answer.
		expect(trailAsked).toBeLessThanOrEqual(6);
		expect(stats.asked()).toBe(61);
		expect(recovered).toEqual([]);
		group.stop();
	});

	it("a poller that is fine keeps its cadence when another one answers", async () => {
		server.up = true;
		const stats = pollOf();
		const events = pollOf();
		const group = pollerGroup(
			[
				{ baseMs: 1_000, poll: stats.poll, onWait: () => {} },
				{ baseMs: 1_500, poll: events.poll, onWait: () => {} },
			],
			() => {},
			slowest,
		);
		await vi.advanceTimersByTimeAsync(6_000);
		// 1 s and 1.5 s cadences from t=0: 7 and 5 polls, not one per answer of the other.
		expect(stats.asked()).toBe(7);
		expect(events.asked()).toBe(5);
		group.stop();
	});
});
