// A socket the feed has closed (4429 for flooding, 4408 for silence) stays in the runtime's list
// until its client answers the close, and its client may never answer: it keeps delivering frames
// (docs/decisions/171-a-client-that-ignores-the-close-and-the-feeds-asks.md). Such a socket holds
// its address's place and the feed's until the runtime ends it, and the idle close that frees a
// place at a bound (src/inventory/live.ts closeIdle) neither closes it again nor counts it as
// closed for silence (docs/decisions/179-review-33s-findings.md). The workers runtime's own client
// answers every close by itself, so the socket's readiness is driven here instead.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type LiveCount, LiveFeed } from "../../src/inventory/live.ts";
import { LIVE_FLOOD_CLOSE_CODE } from "../../src/inventory/live-asks.ts";
import { ADDRESS_TAG_PREFIX } from "../../src/inventory/live-places.ts";
import { LIVE_CLIENT_HEADER } from "../../src/inventory/live-request.ts";
import { LIVE_IDLE_CLOSE_CODE } from "../../src/shared/live-keepalive.ts";
import { FakeSocket } from "./live-fake-socket.ts";

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const IDLE_MS = 2_000;
const ADDRESS = "a1b2c3d4";
const TAG = `${ADDRESS_TAG_PREFIX}${ADDRESS}`;

/** A feed whose sockets all come from one address and stay listed until the test ends them. */
function feedOf(perAddress: number, sockets: FakeSocket[]) {
	const counts: LiveCount[] = [];
	const ctx = {
		getWebSockets: () => sockets,
		getTags: () => [TAG],
		getWebSocketAutoResponseTimestamp: () => null,
	} as unknown as DurableObjectState;
	const feed = new LiveFeed(
		ctx,
		() => null,
		{ sockets: 1_000, perAddress, idleMs: IDLE_MS },
		() => Date.now(),
		(what) => counts.push(what),
	);
	return { feed, counts };
}

/** A socket as accept leaves it: heard at its upgrade, now. */
function upgraded(): FakeSocket {
	const ws = new FakeSocket();
	ws.serializeAttachment({ lastSentMs: 0, heardMs: Date.now() });
	return ws;
}

const upgrade = () =>
	new Request("http://rg.test/api/skus/S/live", {
		headers: { Upgrade: "websocket", [LIVE_CLIENT_HEADER]: ADDRESS },
	});

beforeEach(() => {
	vi.useFakeTimers();
	vi.setSystemTime(T0);
});
afterEach(() => {
	vi.useRealTimers();
});

describe("LiveFeed: a closed socket whose client never answers", () => {
	it("holds its address's place past the idle bound: the next upgrade is refused, nothing closed again or counted idle", () => {
		const flooded = upgraded();
		flooded.close(LIVE_FLOOD_CLOSE_CODE);
		const { feed, counts } = feedOf(1, [flooded]);
		vi.advanceTimersByTime(IDLE_MS * 3);
		for (let round = 0; round < 3; round++) {
			const refused = feed.accept(upgrade());
			expect(refused.status).toBe(429);
		}
		expect(flooded.closes).toEqual([LIVE_FLOOD_CLOSE_CODE]);
		expect(counts).toEqual(["refusedAddress", "refusedAddress", "refusedAddress"]);
	});

	it("closes an open silent socket once, counting it once, and keeps it holding its place until the runtime ends it", () => {
		const closing = upgraded();
		closing.close(LIVE_FLOOD_CLOSE_CODE);
		const silent = upgraded();
		vi.advanceTimersByTime(IDLE_MS);
		const heard = upgraded();
		const sockets = [closing, silent, heard];
		const { feed, counts } = feedOf(2, sockets);
		expect(feed.accept(upgrade()).status).toBe(429);
		expect(silent.closes).toEqual([LIVE_IDLE_CLOSE_CODE]);
		expect(closing.closes).toEqual([LIVE_FLOOD_CLOSE_CODE]);
		expect(heard.closes).toEqual([]);
		expect(counts).toEqual(["idleClosed", "refusedAddress"]);
		// The silent one's client does not answer either: it too holds its place, counted once.
		vi.advanceTimersByTime(IDLE_MS * 5);
		expect(feed.accept(upgrade()).status).toBe(429);
		expect(silent.closes).toEqual([LIVE_IDLE_CLOSE_CODE]);
		expect(counts).toEqual(["idleClosed", "refusedAddress", "idleClosed", "refusedAddress"]);
		expect(heard.closes).toEqual([LIVE_IDLE_CLOSE_CODE]);
		// Once the runtime ends the closed ones (their clients answered), the places are free again.
		sockets.splice(0, sockets.length);
		expect(feed.places().open).toBe(0);
	});
});
