// The live source (src/web/api/live-source.ts) with a fake socket: the wait before a
// reconnect says when it ends (the console's badge counts down to it), and `wake` (another
// request reached the server) connects at once, once per outage. Fake timers drive the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveState } from "../../src/web/api/live-protocol.ts";
import { type LiveSocketEvents, reconnectingSource } from "../../src/web/api/live-source.ts";

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

/** A socket the test opens, refuses and closes by hand. */
interface FakeSocket {
	url: string;
	on: LiveSocketEvents;
}

function sourceWithFakes() {
	const sockets: FakeSocket[] = [];
	const source = reconnectingSource("http://shop.test", (url, on) => {
		sockets.push({ url, on });
		return { close() {} };
	});
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
});
