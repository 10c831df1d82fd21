// The live source (src/web/api/live-source.ts) with a fake socket: the wait before a
// reconnect says when it ends (the console's badge counts down to it), and `wake` (another
// request reached the server) connects at once, once per outage. While the page is in view the
// socket sends the keep-alive at the pace the server's bound sets, never out of view; a socket the
// server closed for silence out of view waits for the page to come back rather than retrying
// (docs/decisions/139-the-live-feeds-idle-places.md). A quiet socket in view asks for a sign of
// life, and one that leaves a keep-alive unanswered is closed and reconnected
// (docs/decisions/192-a-socket-gone-silent-is-lost.md). Fake timers drive the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LIVE_IDLE_SECONDS } from "../../src/domain/bounds.ts";
import {
	keepAliveAnswer,
	LIVE_IDLE_CLOSE_CODE,
	LIVE_KEEPALIVE,
} from "../../src/shared/live-keepalive.ts";
import type { LiveState } from "../../src/web/api/live-protocol.ts";
import {
	ALWAYS_VISIBLE,
	KEEPALIVES_PER_IDLE_BOUND,
	LIVE_ANSWER_WAIT_MS,
	LIVE_NO_ANSWER_CLOSE_CODE,
	LIVE_QUIET_PROBE_MS,
	type LiveSocketEvents,
	type PageVisibility,
	reconnectingSource,
} from "../../src/web/api/live-source.ts";

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

/** A socket the test opens, refuses and closes by hand; what the page sent on it. */
interface FakeSocket {
	url: string;
	on: LiveSocketEvents;
	sent: string[];
	/** The codes the page closed it with. */
	closedWith: number[];
}

/** A page whose visibility the test sets (`show`, `hide`), as the document's would change. */
function fakePage() {
	let visible = true;
	const listeners = new Set<() => void>();
	const set = (v: boolean) => {
		visible = v;
		for (const l of listeners) l();
	};
	const page: PageVisibility = {
		visible: () => visible,
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
	return { page, show: () => set(true), hide: () => set(false) };
}

function sourceWithFakes(page: PageVisibility = ALWAYS_VISIBLE) {
	const sockets: FakeSocket[] = [];
	const source = reconnectingSource(
		"http://shop.test",
		(url, on) => {
			const sent: string[] = [];
			const closedWith: number[] = [];
			sockets.push({ url, on, sent, closedWith });
			return {
				close: (code: number) => void closedWith.push(code),
				send: (data: string) => void sent.push(data),
			};
		},
		page,
	);
	const states: LiveState[] = [];
	const stop = source.subscribe(
		"SKU-1",
		() => {},
		(s) => states.push(s),
	);
	/** The server refuses the newest socket (it closes without opening). */
	const refuse = () => sockets.at(-1)?.on.close();
	return { source, sockets, states, stop, refuse };
}

/** The runtime's answer to the keep-alive, naming the default bound. */
const answer = (socket: FakeSocket | undefined) =>
	socket?.on.message(keepAliveAnswer(DEFAULT_LIVE_IDLE_SECONDS));

/** `ms` of a busy feed: something heard every second (here the keep-alive's answer). */
function busy(socket: FakeSocket | undefined, ms: number, idleSeconds = DEFAULT_LIVE_IDLE_SECONDS) {
	for (let t = 0; t < ms; t += 1_000) {
		vi.advanceTimersByTime(1_000);
		socket?.on.message(keepAliveAnswer(idleSeconds));
	}
}

beforeEach(() => {
	vi.useFakeTimers();
	vi.setSystemTime(T0);
});
afterEach(() => {
	vi.useRealTimers();
});

describe("live source", () => {
	it("says when a wait ends", () => {
		const { states, refuse, stop } = sourceWithFakes();
		refuse();
		const waiting = states.at(-1);
		expect(waiting?.kind).toBe("waiting");
		if (waiting?.kind !== "waiting") return;
		expect(waiting.retryAtMs).toBe(T0 + waiting.retryInMs);
		stop();
	});

	it("wake connects at once while it waits, once per outage", () => {
		const { source, sockets, states, refuse, stop } = sourceWithFakes();
		// Five refusals: the wait is ~8 s now.
		for (let i = 0; i < 5; i++) {
			refuse();
			vi.advanceTimersByTime(states.at(-1)?.kind === "waiting" ? 12_000 : 0);
		}
		refuse();
		expect(states.at(-1)?.kind).toBe("waiting");
		const before = sockets.length;
		source.wake?.();
		expect(sockets.length).toBe(before + 1);
		expect(states.at(-1)?.kind).toBe("connecting");

		// Refused again: this outage's wake is spent, so the next waits its backoff.
		refuse();
		source.wake?.();
		expect(sockets.length).toBe(before + 1);
		vi.advanceTimersByTime(12_000);
		expect(sockets.length).toBe(before + 2);

		// Once the socket has opened, the next outage may be woken again.
		sockets.at(-1)?.on.open();
		expect(states.at(-1)?.kind).toBe("open");
		refuse();
		source.wake?.();
		expect(sockets.length).toBe(before + 3);
		stop();
	});

	it("wake does nothing to a socket that is open or connecting, or after unsubscribing", () => {
		const { source, sockets, refuse, stop } = sourceWithFakes();
		source.wake?.();
		expect(sockets.length).toBe(1);
		sockets[0]?.on.open();
		source.wake?.();
		expect(sockets.length).toBe(1);
		refuse();
		stop();
		source.wake?.();
		vi.advanceTimersByTime(60_000);
		expect(sockets.length).toBe(1);
	});

	it("sends the keep-alive while in view, at the pace of the bound the server names, never out of view", () => {
		const { page, show, hide } = fakePage();
		const { sockets, stop } = sourceWithFakes(page);
		const socket = sockets[0];
		if (socket === undefined) throw new Error("no socket");
		socket.on.open();
		expect(socket.sent).toEqual([LIVE_KEEPALIVE]);
		// Until the server names its bound, the default's pace (a busy feed: none early for silence).
		const defaultEveryMs = (DEFAULT_LIVE_IDLE_SECONDS * 1000) / KEEPALIVES_PER_IDLE_BOUND;
		busy(socket, defaultEveryMs);
		expect(socket.sent).toHaveLength(2);
		// The server's answer names 10 s: every 2 s from now.
		busy(socket, 10_000, 10);
		expect(socket.sent).toHaveLength(2 + 5);
		hide();
		vi.advanceTimersByTime(60_000);
		expect(socket.sent).toHaveLength(7);
		show();
		expect(socket.sent).toHaveLength(8);
		expect(new Set(socket.sent)).toEqual(new Set([LIVE_KEEPALIVE]));
		answer(socket);
		stop();
		vi.advanceTimersByTime(60_000);
		expect(socket.sent).toHaveLength(8);
		expect(socket.closedWith).toEqual([1000]);
	});

	it("a quiet feed in view asks for a sign of life every LIVE_QUIET_PROBE_MS; an answer keeps the socket", () => {
		const { sockets, states, stop } = sourceWithFakes();
		const socket = sockets[0];
		socket?.on.open();
		answer(socket);
		vi.advanceTimersByTime(LIVE_QUIET_PROBE_MS - 1);
		expect(socket?.sent).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(socket?.sent).toEqual([LIVE_KEEPALIVE, LIVE_KEEPALIVE]);
		vi.advanceTimersByTime(LIVE_ANSWER_WAIT_MS - 1);
		answer(socket);
		vi.advanceTimersByTime(LIVE_QUIET_PROBE_MS - 1);
		expect(socket?.sent).toHaveLength(2);
		expect(states.at(-1)?.kind).toBe("open");
		expect(socket?.closedWith).toEqual([]);
		expect(sockets).toHaveLength(1);
		stop();
	});

	it("a keep-alive left unanswered LIVE_ANSWER_WAIT_MS: the socket is closed and the feed waits its backoff", () => {
		const { sockets, states, stop } = sourceWithFakes();
		const gone = sockets[0];
		gone?.on.open();
		// Gone without a close since the keep-alive the open sent: nothing ever comes back.
		vi.advanceTimersByTime(LIVE_ANSWER_WAIT_MS - 1);
		expect(states.at(-1)?.kind).toBe("open");
		vi.advanceTimersByTime(1);
		expect(gone?.closedWith).toEqual([LIVE_NO_ANSWER_CLOSE_CODE]);
		const waiting = states.at(-1);
		expect(waiting).toMatchObject({ kind: "waiting", attempt: 1 });
		// The gone socket's own close, or a message, when the browser gets to them: ignored.
		const seen = states.length;
		gone?.on.close(1006);
		answer(gone);
		expect(states).toHaveLength(seen);
		vi.advanceTimersByTime(waiting?.kind === "waiting" ? waiting.retryInMs : 0);
		expect(sockets).toHaveLength(2);
		sockets[1]?.on.open();
		expect(states.at(-1)?.kind).toBe("open");
		answer(sockets[1]);
		vi.advanceTimersByTime(LIVE_ANSWER_WAIT_MS);
		expect(sockets[1]?.closedWith).toEqual([]);
		stop();
	});

	it("judges nothing out of view; back in view, the keep-alive it sends must be answered", () => {
		const { page, show, hide } = fakePage();
		const { sockets, states, stop } = sourceWithFakes(page);
		const socket = sockets[0];
		socket?.on.open();
		hide();
		vi.advanceTimersByTime(10 * 60_000);
		expect(states.at(-1)?.kind).toBe("open");
		expect(socket?.sent).toHaveLength(1);
		show();
		expect(socket?.sent).toHaveLength(2);
		vi.advanceTimersByTime(LIVE_ANSWER_WAIT_MS);
		expect(socket?.closedWith).toEqual([LIVE_NO_ANSWER_CLOSE_CODE]);
		expect(states.at(-1)?.kind).toBe("waiting");
		stop();
	});

	it("closed for silence out of view: paused, no retries, and connects at once back in view", () => {
		const { page, show, hide } = fakePage();
		const { sockets, states, stop } = sourceWithFakes(page);
		sockets[0]?.on.open();
		hide();
		sockets[0]?.on.close(LIVE_IDLE_CLOSE_CODE);
		expect(states.at(-1)).toEqual({ kind: "paused" });
		vi.advanceTimersByTime(10 * 60_000);
		expect(sockets).toHaveLength(1);
		show();
		expect(sockets).toHaveLength(2);
		expect(states.at(-1)?.kind).toBe("connecting");
		sockets[1]?.on.open();
		expect(states.at(-1)?.kind).toBe("open");
		expect(sockets[1]?.sent).toEqual([LIVE_KEEPALIVE]);
		stop();
	});

	it("any other close, or one for silence while in view, waits its backoff as before", () => {
		const { page, hide } = fakePage();
		const { sockets, states, stop } = sourceWithFakes(page);
		sockets[0]?.on.open();
		sockets[0]?.on.close(LIVE_IDLE_CLOSE_CODE);
		expect(states.at(-1)?.kind).toBe("waiting");
		vi.advanceTimersByTime(12_000);
		sockets[1]?.on.open();
		hide();
		sockets[1]?.on.close(1006);
		expect(states.at(-1)?.kind).toBe("waiting");
		stop();
	});
});
