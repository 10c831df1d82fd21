// The live feed's client without the DOM: one subscription per SKU, its socket reopened
// with capped exponential backoff and jitter (live-protocol.ts backoffMs), and `wake`,
// which cuts a wait short once another request has reached the server. The socket is
// given (the browser's WebSocket in live.ts; a fake in test/unit/live-source.test.ts).
// While the page is in view the socket sends the keep-alive, a fifth of the server's idle bound
// apart; out of view it sends nothing, so a tab left in the background for longer than the
// bound has its socket closed (4408) and its place freed, and connects again when it comes back
// into view (docs/decisions/139-the-live-feeds-idle-places.md). A socket in view that a network
// dropped without a close (a phone changing networks, a router's idle timeout) would stay "open"
// for good: the keep-alive's answer is its sign of life, asked for after LIVE_QUIET_PROBE_MS of
// silence, and a keep-alive unanswered for LIVE_ANSWER_WAIT_MS ends the socket as any close does
// (docs/decisions/192-a-socket-gone-silent-is-lost.md).

import { DEFAULT_LIVE_IDLE_SECONDS } from "../../domain/bounds.ts";
import {
	LIVE_IDLE_CLOSE_CODE,
	LIVE_KEEPALIVE,
	parseKeepAliveAnswer,
} from "../../shared/live-keepalive.ts";
import {
	backoffMs,
	type LiveSource,
	parseAvailabilityMessage,
	parseProductMessage,
} from "./live-protocol.ts";

/** Keep-alives per idle bound: one missed (a busy tab's late timer) is not a close. */
export const KEEPALIVES_PER_IDLE_BOUND = 5;
/** The shortest gap between two keep-alives, whatever bound a server names. */
const KEEPALIVE_MIN_MS = 500;

/**
 * A socket in view that has heard nothing (no change, no keep-alive's answer) for this long sends
 * the keep-alive early to ask for a sign of life. A busy feed's broadcasts are signs enough: it
 * sends none then.
 */
export const LIVE_QUIET_PROBE_MS = 15_000;
/**
 * A keep-alive the runtime has not answered in this long (nothing at all heard since it was
 * sent): the socket is gone without a close, and the source closes it and reconnects.
 */
export const LIVE_ANSWER_WAIT_MS = 10_000;
/** The close code the page sends on a socket it gave up for silence (4000–4999: the application's). */
export const LIVE_NO_ANSWER_CLOSE_CODE = 4000;

/** What a socket tells the source. */
export interface LiveSocketEvents {
	open(): void;
	message(data: unknown): void;
	/** `code`: the close frame's code (LIVE_IDLE_CLOSE_CODE: closed for silence). */
	close(code?: number): void;
}

/** A socket as the source uses it. */
export interface LiveSocket {
	close(code: number, reason: string): void;
	send(data: string): void;
}

/** Opens a socket to `url` that reports to `on`. */
export type OpenLiveSocket = (url: string, on: LiveSocketEvents) => LiveSocket;

/** Whether the page is in view, and word when that changes (the document's visibility). */
export interface PageVisibility {
	visible(): boolean;
	/** Calls `listener` on every change; returns the unsubscribe. */
	onChange(listener: () => void): () => void;
}

/** A page always in view: a source without a document (tests, scripts). */
export const ALWAYS_VISIBLE: PageVisibility = { visible: () => true, onChange: () => () => {} };

/** The gap between keep-alives for a server that names `idleSeconds` as its bound. */
export function keepAliveEveryMs(idleSeconds: number): number {
	return Math.max(KEEPALIVE_MIN_MS, (idleSeconds * 1000) / KEEPALIVES_PER_IDLE_BOUND);
}

export function reconnectingSource(
	origin: string,
	open: OpenLiveSocket,
	page: PageVisibility = ALWAYS_VISIBLE,
): LiveSource {
	const wsOrigin = origin.replace(/^http/, "ws");
	/** The wake of every subscription that is running. */
	const wakers = new Set<() => void>();
	return {
		subscribe(sku, onAvailability, onState, onProduct) {
			let socket: LiveSocket | null = null;
			/** The current socket has opened (and not closed). */
			let isOpen = false;
			/** Closed for silence while out of view: connects when the page is in view again. */
			let paused = false;
			let keepTimer: ReturnType<typeof setTimeout> | null = null;
			/** Armed by a keep-alive sent while nothing has been heard since: LIVE_ANSWER_WAIT_MS. */
			let answerTimer: ReturnType<typeof setTimeout> | null = null;
			/** Until the server names its bound, the default's pace. */
			let keepEveryMs = keepAliveEveryMs(DEFAULT_LIVE_IDLE_SECONDS);
			/** When the current socket opened or last brought a message, and when it last sent the keep-alive. */
			let heardAtMs = 0;
			let sentAtMs = 0;
			/** Which connect the current socket came from: a late close of an older one is ignored. */
			let generation = 0;
			let timer: ReturnType<typeof setTimeout> | null = null;
			let attempt = 0;
			let stopped = false;
			/** This outage's wake was used (reset when the socket opens). */
			let woken = false;

			const stopKeepAlive = () => {
				if (keepTimer !== null) clearTimeout(keepTimer);
				keepTimer = null;
				if (answerTimer !== null) clearTimeout(answerTimer);
				answerTimer = null;
			};
			/**
			 * When the next keep-alive is due: the bound's pace after the last, or LIVE_QUIET_PROBE_MS
			 * after the later of the last message and the last keep-alive (a probe sent is not sent
			 * again while its answer is awaited).
			 */
			const keepAliveDueMs = () =>
				Math.min(sentAtMs + keepEveryMs, Math.max(heardAtMs, sentAtMs) + LIVE_QUIET_PROBE_MS);
			const scheduleKeepAlive = () => {
				if (keepTimer !== null) clearTimeout(keepTimer);
				keepTimer = null;
				if (stopped || !isOpen || !page.visible()) return;
				keepTimer = setTimeout(
					() => {
						keepTimer = null;
						// A message since the timer was set moved the quiet probe later.
						if (Date.now() >= keepAliveDueMs()) keepAlive();
						else scheduleKeepAlive();
					},
					Math.max(0, keepAliveDueMs() - Date.now()),
				);
			};
			/** Sends the keep-alive now, then on schedule, while the socket is open and in view. */
			const keepAlive = () => {
				if (stopped || !isOpen || !page.visible()) return stopKeepAlive();
				try {
					socket?.send(LIVE_KEEPALIVE);
				} catch {
					// Closing: its close event follows.
				}
				sentAtMs = Date.now();
				answerTimer ??= setTimeout(noAnswer, LIVE_ANSWER_WAIT_MS);
				scheduleKeepAlive();
			};
			/** Nothing heard since a keep-alive went out: the socket is gone; end it as any close. */
			const noAnswer = () => {
				answerTimer = null;
				if (stopped || !isOpen || !page.visible()) return;
				const gone = socket;
				// Its own close, whenever the browser gets to it, is then an older socket's: ignored.
				generation++;
				closed(null);
				try {
					gone?.close(LIVE_NO_ANSWER_CLOSE_CODE, "no answer to the keep-alive");
				} catch {
					// Already closing.
				}
			};
			/** The current socket closed (`code` null: given up for silence): paused, or the backoff. */
			const closed = (code: number | null) => {
				isOpen = false;
				stopKeepAlive();
				// Closed for silence while out of view: back when in view, not on a timer.
				if (code === LIVE_IDLE_CLOSE_CODE && !page.visible()) {
					paused = true;
					onState({ kind: "paused" });
					return;
				}
				attempt += 1;
				const retryInMs = backoffMs(attempt);
				onState({ kind: "waiting", retryInMs, retryAtMs: Date.now() + retryInMs, attempt });
				timer = setTimeout(connect, retryInMs);
			};

			const connect = () => {
				timer = null;
				paused = false;
				if (stopped) return;
				onState({ kind: "connecting" });
				const query = onProduct === undefined ? "" : "?with=product";
				const mine = ++generation;
				socket = open(`${wsOrigin}/api/products/${encodeURIComponent(sku)}/live${query}`, {
					open() {
						if (mine !== generation) return;
						attempt = 0;
						woken = false;
						isOpen = true;
						heardAtMs = Date.now();
						onState({ kind: "open" });
						keepAlive();
					},
					message(data) {
						if (mine !== generation) return;
						heardAtMs = Date.now();
						if (answerTimer !== null) clearTimeout(answerTimer);
						answerTimer = null;
						const idleSeconds = parseKeepAliveAnswer(data);
						if (idleSeconds !== null) {
							const everyMs = keepAliveEveryMs(idleSeconds);
							if (everyMs !== keepEveryMs) {
								keepEveryMs = everyMs;
								scheduleKeepAlive();
							}
							return;
						}
						const availability = parseAvailabilityMessage(data);
						if (availability !== null) onAvailability(availability);
						const product = onProduct === undefined ? null : parseProductMessage(data);
						if (product !== null) onProduct?.(product);
					},
					close(code) {
						if (stopped || mine !== generation) return;
						closed(code ?? null);
					},
				});
			};
			const wake = () => {
				if (stopped || timer === null || woken) return;
				woken = true;
				clearTimeout(timer);
				connect();
			};
			wakers.add(wake);
			const unwatch = page.onChange(() => {
				if (!page.visible()) stopKeepAlive();
				else if (paused) connect();
				else keepAlive();
			});
			connect();
			return () => {
				stopped = true;
				wakers.delete(wake);
				unwatch();
				stopKeepAlive();
				if (timer !== null) clearTimeout(timer);
				socket?.close(1000, "bye");
			};
		},
		wake() {
			for (const wake of wakers) wake();
		},
	};
}
