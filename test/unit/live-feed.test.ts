// The live feed's answers to client messages (src/inventory/live.ts): a socket is sent the
// state at most once per LIVE_INTERVAL_MS, whether by a broadcast or by an answer to its own
// messages, so one socket cannot flood the SKU's object (docs/api.md: "at most ~10 messages a
// second"); an ask inside the interval is answered at its end, with the state then. The pacing is
// tested on feeds that allow many asks; with the feed's own bound (src/inventory/live-asks.ts) the
// ask past it closes the socket with 4429 (docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md).
// Fake timers drive the clock: nothing here waits or depends on the machine's speed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
	DEFAULT_LIVE_IDLE_SECONDS,
	DEFAULT_MAX_LIVE_SOCKETS,
	DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
} from "../../src/domain/bounds.ts";
import { LIVE_INTERVAL_MS, LiveFeed } from "../../src/inventory/live.ts";
import { type AskBounds, LIVE_ASKS, LIVE_FLOOD_CLOSE_CODE } from "../../src/inventory/live-asks.ts";
import { PRODUCT_TAG } from "../../src/inventory/live-request.ts";
import type { Availability, Product } from "../../src/shared/types.ts";
import { asWs, FakeSocket } from "./live-fake-socket.ts";

const T0 = Date.UTC(2026, 10, 30, 1, 0, 0);
const BOUNDS = {
	sockets: DEFAULT_MAX_LIVE_SOCKETS,
	perAddress: DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
	idleMs: DEFAULT_LIVE_IDLE_SECONDS * 1000,
};

/** The SKU's availability with `reserved.n` of 10 units held, as the object would read it now. */
const availabilityOf = (reserved: { n: number }) => (): Availability => ({
	sku: "S",
	total: 10,
	available: 10 - reserved.n,
	reserved: reserved.n,
	sold: 0,
	status: "live",
	asOf: new Date(Date.now()).toISOString(),
});

/** Asks enough for the pacing tests' floods, none of which reaches the bound. */
const PACING_ONLY: AskBounds = { burst: 1_000, refillMs: 1 };

function feedOf(sockets: FakeSocket[], reserved: { n: number }, asks: AskBounds = PACING_ONLY) {
	const ctx = {
		getWebSockets: () => sockets,
		setWebSocketAutoResponse: () => {},
		getWebSocketAutoResponseTimestamp: () => null,
		getTags: () => [],
	} as unknown as DurableObjectState;
	return new LiveFeed(ctx, availabilityOf(reserved), { ...BOUNDS, asks });
}

beforeEach(() => {
	vi.useFakeTimers();
	vi.setSystemTime(T0);
});
afterEach(() => {
	vi.useRealTimers();
});

describe("LiveFeed: client messages", () => {
	it("answers a socket's first message at once", () => {
		const ws = new FakeSocket();
		const feed = feedOf([ws], { n: 0 });
		feed.message(asWs(ws), "ping");
		expect(ws.sent).toHaveLength(1);
	});

	it("a flood of pings from one socket gets one answer per interval, carrying the state at its end", () => {
		const ws = new FakeSocket();
		const reserved = { n: 0 };
		const feed = feedOf([ws], reserved);
		feed.message(asWs(ws), "ping");
		expect(ws.sent).toHaveLength(1);
		// 500 pings a millisecond apart: five intervals' worth.
		for (let i = 0; i < 500; i++) {
			vi.advanceTimersByTime(1);
			if (i === 50) reserved.n = 3;
			feed.message(asWs(ws), "ping");
		}
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		// One answer per interval: the first, then one at the end of each interval asked in.
		expect(ws.sent.length).toBeLessThanOrEqual(1 + 500 / LIVE_INTERVAL_MS + 1);
		expect(ws.sent.length).toBeGreaterThanOrEqual(500 / LIVE_INTERVAL_MS);
		const times = ws.sent.map((m) => Date.parse(m.asOf));
		for (let i = 1; i < times.length; i++) {
			expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(LIVE_INTERVAL_MS);
		}
		// The last ask was answered, with the state as it was then.
		expect(ws.sent.at(-1)?.reserved).toBe(3);
	});

	it("with the feed's own bound, closes the socket at the ask past it with 4429, and drops what follows", () => {
		const ws = new FakeSocket();
		const feed = feedOf([ws], { n: 0 }, LIVE_ASKS);
		for (let i = 0; i < LIVE_ASKS.burst; i++) expect(feed.message(asWs(ws), "ping")).toBe(true);
		expect(ws.closedWith).toBeNull();
		expect(feed.message(asWs(ws), "ping")).toBe(false);
		expect(ws.closedWith).toBe(LIVE_FLOOD_CLOSE_CODE);
		// What was on its way is not heard, even once an ask would have been regained.
		vi.advanceTimersByTime(LIVE_ASKS.refillMs * LIVE_ASKS.burst);
		expect(feed.message(asWs(ws), "ping")).toBe(false);
		// Only the first ask's answer: the one held for the interval went with the close.
		expect(ws.sent).toHaveLength(1);
	});

	it("a client that ignores the close and sends on costs no attachment read or write, no timer and no answer per frame", () => {
		const ws = new FakeSocket();
		const feed = feedOf([ws], { n: 0 }, LIVE_ASKS);
		for (let i = 0; i <= LIVE_ASKS.burst; i++) feed.message(asWs(ws), "ping");
		expect(ws.closedWith).toBe(LIVE_FLOOD_CLOSE_CODE);
		const { reads, writes } = ws;
		const timers = vi.getTimerCount();
		for (let i = 0; i < 1_000; i++) {
			expect(feed.message(asWs(ws), i % 2 === 0 ? "?" : new ArrayBuffer(1))).toBe(false);
		}
		expect({ reads: ws.reads, writes: ws.writes, timers: vi.getTimerCount() }).toEqual({
			reads,
			writes,
			timers,
		});
		expect(ws.sent).toHaveLength(1);
	});

	it("one socket's pings do not hold back another's answer, and never reach other sockets", () => {
		const noisy = new FakeSocket();
		const quiet = new FakeSocket();
		const feed = feedOf([noisy, quiet], { n: 0 });
		for (let i = 0; i < 20; i++) feed.message(asWs(noisy), "ping");
		feed.message(asWs(quiet), "ping");
		expect(noisy.sent).toHaveLength(1);
		expect(quiet.sent).toHaveLength(1);
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		expect(noisy.sent).toHaveLength(2);
		expect(quiet.sent).toHaveLength(1);
	});

	it("an ask inside the interval after a broadcast is answered by the next broadcast, not twice", () => {
		const ws = new FakeSocket();
		const reserved = { n: 0 };
		const feed = feedOf([ws], reserved);
		feed.changed();
		vi.advanceTimersByTime(0);
		expect(ws.sent).toHaveLength(1);
		vi.advanceTimersByTime(10);
		feed.message(asWs(ws), "ping");
		expect(ws.sent).toHaveLength(1);
		reserved.n = 1;
		feed.changed();
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		expect(ws.sent).toHaveLength(2);
		expect(ws.sent[1]?.reserved).toBe(1);
	});

	it("an ask after a broadcast that came between is still answered, at the interval's end", () => {
		const ws = new FakeSocket();
		const reserved = { n: 0 };
		const feed = feedOf([ws], reserved);
		feed.message(asWs(ws), "ping");
		vi.advanceTimersByTime(5);
		feed.message(asWs(ws), "ping"); // held for the interval
		vi.advanceTimersByTime(5);
		reserved.n = 1;
		feed.changed(); // the first broadcast goes at once: it answers the held ask
		vi.advanceTimersByTime(0);
		expect(ws.sent.map((m) => m.reserved)).toEqual([0, 1]);
		vi.advanceTimersByTime(10);
		reserved.n = 2;
		feed.message(asWs(ws), "ping"); // newer than that broadcast: it needs its own answer
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		expect(ws.sent.map((m) => m.reserved)).toEqual([0, 1, 2]);
		const times = ws.sent.map((m) => Date.parse(m.asOf));
		expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(LIVE_INTERVAL_MS);
	});

	it("a socket that closes with an answer pending gets nothing more", () => {
		const ws = new FakeSocket();
		const feed = feedOf([ws], { n: 0 });
		feed.message(asWs(ws), "ping");
		feed.message(asWs(ws), "ping");
		feed.close(asWs(ws), 1000);
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		expect(ws.sent).toHaveLength(1);
	});
});

describe("LiveFeed: product messages (?with=product)", () => {
	/** Sockets by hibernation tag, as ctx.getWebSockets(tag) hands them over. */
	function taggedFeed(plain: FakeSocket, tagged: FakeSocket) {
		const ctx = {
			getWebSockets: (tag?: string) => (tag === PRODUCT_TAG ? [tagged] : [plain, tagged]),
		} as unknown as DurableObjectState;
		return new LiveFeed(ctx, () => null, BOUNDS);
	}
	const product = (perUserLimit: number): Product => ({
		sku: "S",
		name: "Shoe",
		priceCents: 100,
		currency: "USD",
		totalStock: 10,
		holdSeconds: 120,
		perUserLimit,
		startsAt: null,
		availability: {
			sku: "S",
			total: 10,
			available: 10,
			reserved: 0,
			sold: 0,
			status: "live",
			asOf: new Date(Date.now()).toISOString(),
		},
	});

	it("reach only the sockets that asked, at the feed's pace, the latest product winning", () => {
		const plain = new FakeSocket();
		const tagged = new FakeSocket();
		const feed = taggedFeed(plain, tagged);
		feed.productChanged(product(1));
		vi.advanceTimersByTime(0);
		expect(tagged.sent).toMatchObject([{ type: "product", perUserLimit: 1 }]);
		// Three changes inside one interval: one message, the last one.
		feed.productChanged(product(2));
		feed.productChanged(product(3));
		feed.productChanged(product(4));
		vi.advanceTimersByTime(LIVE_INTERVAL_MS - 1);
		expect(tagged.sent).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(tagged.sent).toMatchObject([{ perUserLimit: 1 }, { type: "product", perUserLimit: 4 }]);
		// A client written for availability messages alone never sees one.
		expect(plain.sent).toEqual([]);
	});
});

describe("LiveFeed: idle sockets (docs/decisions/139-the-live-feeds-idle-places.md, 148)", () => {
	const IDLE_MS = BOUNDS.idleMs;
	/** Sockets heard at their upgrade at T0 (as accept leaves them), and the runtime's keep-alive times. */
	function idleFeed(n: number) {
		const sockets = Array.from({ length: n }, () => new FakeSocket());
		for (const ws of sockets) ws.serializeAttachment({ lastSentMs: T0, heardMs: T0 });
		const keptAt = new Map<FakeSocket, number>();
		const looked = { n: 0 };
		const ctx = {
			getWebSockets: () => sockets.filter((ws) => ws.closedWith === null),
			getWebSocketAutoResponseTimestamp: (ws: FakeSocket) => {
				looked.n += 1;
				const at = keptAt.get(ws);
				return at === undefined ? null : new Date(at);
			},
		} as unknown as DurableObjectState;
		const reserved = { n: 0 };
		const feed = new LiveFeed(ctx, availabilityOf(reserved), BOUNDS);
		return { sockets, keptAt, looked, reserved, feed };
	}

	it("watched by a heard socket while one asked or kept alive within the bound, by silent ones after; closes nobody", () => {
		const { sockets, keptAt, feed } = idleFeed(3);
		const [asked, kept] = sockets as [FakeSocket, FakeSocket, FakeSocket];
		expect(feed.watchers()).toBe("heard");
		vi.advanceTimersByTime(IDLE_MS - 1_000);
		feed.message(asWs(asked), "ping");
		vi.advanceTimersByTime(500);
		keptAt.set(kept, Date.now());
		vi.advanceTimersByTime(500);
		expect(feed.watchers()).toBe("heard");
		// The ask's bound has passed; the keep-alive's has not.
		vi.advanceTimersByTime(IDLE_MS - 700);
		expect(feed.watchers()).toBe("heard");
		vi.advanceTimersByTime(IDLE_MS);
		expect(feed.watchers()).toBe("silent");
		expect(sockets.map((ws) => ws.closedWith)).toEqual([null, null, null]);
		sockets.length = 0;
		expect(feed.watchers()).toBe("none");
	});

	it("a broadcast closes no silent socket: a listen-only client is sent every change", () => {
		const { sockets, reserved, feed } = idleFeed(2);
		vi.advanceTimersByTime(IDLE_MS * 10);
		reserved.n = 1;
		feed.changed();
		vi.advanceTimersByTime(LIVE_INTERVAL_MS);
		for (const ws of sockets) {
			expect(ws.closedWith).toBe(null);
			expect(ws.sent).toMatchObject([{ type: "availability", reserved: 1 }]);
		}
	});

	it("a heard socket that closes no longer counts: the silent ones left watch at the slow pace", () => {
		const { sockets, feed } = idleFeed(2);
		const [asked] = sockets as [FakeSocket, FakeSocket];
		vi.advanceTimersByTime(IDLE_MS);
		feed.message(asWs(asked), "ping");
		expect(feed.watchers()).toBe("heard");
		// The peer leaves: the hibernation API drops it from getWebSockets() and calls close.
		sockets.splice(0, 1);
		feed.close(asWs(asked), 1000);
		vi.advanceTimersByTime(1_000);
		expect(feed.watchers()).toBe("silent");
		sockets.length = 0;
		expect(feed.watchers()).toBe("none");
	});

	it("reads no socket's times while one is known heard, and never judges a socket that carries nothing silent", () => {
		const { sockets, looked, feed } = idleFeed(3);
		const [asked] = sockets as [FakeSocket];
		vi.advanceTimersByTime(IDLE_MS);
		expect(feed.watchers()).toBe("silent");
		expect(looked.n).toBe(3);
		feed.message(asWs(asked), "ping");
		looked.n = 0;
		vi.advanceTimersByTime(IDLE_MS - 1);
		expect(feed.watchers()).toBe("heard");
		expect(looked.n).toBe(0);
		vi.advanceTimersByTime(1);
		expect(feed.watchers()).toBe("silent");
		sockets.push(new FakeSocket());
		expect(feed.watchers()).toBe("heard");
	});
});
