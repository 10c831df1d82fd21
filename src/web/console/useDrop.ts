// Everything the console watches for one drop: counters over the live socket
// (fast) and the stats endpoint (attempts, rejections, oversell), a bounded
// history of stock for the chart, the server's per-second history of the
// reserve path (attempts, rejections, decision latency; kept by the SKU's
// object, so it survives a reload), and the tail of the audit trail.

import { useEffect, useState } from "preact/hooks";
import type { AuditEvent, Availability, SkuMetrics, Stats } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import type { LiveSource, LiveState } from "../api/live.ts";
import { pollDelayMs } from "./poll.ts";
import { trailPoller, withNewEvents } from "./trail.ts";

const STATS_POLL_MS = 1_000;
const EVENTS_POLL_MS = 1_500;
/** The metrics answer is the whole window (up to 900 points), so it is asked less often than the stats. */
const METRICS_POLL_MS = 2_000;
/** The window the latency panel shows: the whole history the server keeps (15 minutes). */
export const METRICS_WINDOW_SECONDS = 900;

/** A failed read that left no answer to describe (the follower threw). */
const NO_ANSWER: ApiErr = {
	ok: false,
	status: 0,
	code: "network_error",
	message: "Could not reach the server.",
	meta: null,
	retryAfterSeconds: null,
	roundTripMs: 0,
};

/** Points of stock history on the chart (at ~1 per second: ten minutes). */
const HISTORY_POINTS = 600;

export interface StockPoint {
	atS: number;
	available: number;
	reserved: number;
	sold: number;
}

export interface DropView {
	stats: Stats | null;
	counters: Availability | null;
	live: LiveState;
	history: StockPoint[];
	/** The SKU's reserve path as its object saw it, per second (GET …/metrics). */
	metrics: SkuMetrics | null;
	events: AuditEvent[];
	error: ApiErr | null;
	/** While polls fail: when the stats are asked again (epoch ms). */
	retryAtMs: number | null;
	/** The audit trail's last read failed (the rows shown stop there), and when it is read again. */
	trailProblem: { error: ApiErr; failedAtMs: number; retryAtMs: number | null } | null;
}

interface Poller {
	/** Asks again at once if the last poll failed (the live socket came back). */
	retryNow(): void;
	stop(): void;
}

/**
 * Runs `poll` now, then again after each answer: at `baseMs`, or backing off while it fails
 * (false, or the failed answer, whose Retry-After then sets the wait: src/web/console/poll.ts).
 */
function schedule(
	baseMs: number,
	poll: () => Promise<boolean | ApiErr>,
	onWait: (retryAtMs: number | null) => void,
): Poller {
	let failures = 0;
	let timer: ReturnType<typeof setTimeout> | null = null;
	let running = false;
	let stopped = false;
	const run = async () => {
		timer = null;
		if (stopped || running) return;
		running = true;
		const outcome = await poll().catch(() => false);
		running = false;
		if (stopped) return;
		const ok = outcome === true;
		failures = ok ? 0 : failures + 1;
		const retryAfter = typeof outcome === "object" ? outcome.retryAfterSeconds : null;
		const waitMs = pollDelayMs(baseMs, failures, Math.random, retryAfter);
		onWait(ok ? null : Date.now() + waitMs);
		timer = setTimeout(() => void run(), waitMs);
	};
	void run();
	return {
		retryNow() {
			if (failures === 0 || running || stopped) return;
			if (timer !== null) clearTimeout(timer);
			void run();
		},
		stop() {
			stopped = true;
			if (timer !== null) clearTimeout(timer);
		},
	};
}

export function useDrop(api: ApiClient, liveSource: LiveSource, sku: string | null): DropView {
	const [stats, setStats] = useState<Stats | null>(null);
	const [counters, setCounters] = useState<Availability | null>(null);
	const [live, setLive] = useState<LiveState>({ kind: "connecting" });
	const [history, setHistory] = useState<StockPoint[]>([]);
	const [events, setEvents] = useState<AuditEvent[]>([]);
	const [error, setError] = useState<ApiErr | null>(null);
	const [metrics, setMetrics] = useState<SkuMetrics | null>(null);
	const [retryAtMs, setRetryAtMs] = useState<number | null>(null);
	const [trailProblem, setTrailProblem] = useState<DropView["trailProblem"]>(null);

	useEffect(() => {
		setStats(null);
		setMetrics(null);
		setCounters(null);
		setHistory([]);
		setEvents([]);
		setError(null);
		setRetryAtMs(null);
		setTrailProblem(null);
		if (sku === null) return;
		let stopped = false;
		const record = (a: { available: number; reserved: number; sold: number }) =>
			setHistory((h) => {
				const point = {
					atS: Date.now() / 1000,
					available: a.available,
					reserved: a.reserved,
					sold: a.sold,
				};
				const next =
					h.length >= HISTORY_POINTS ? h.slice(h.length - HISTORY_POINTS + 1) : h.slice();
				next.push(point);
				return next;
			});
		let pollers: Poller[] = [];
		const unsubscribe = liveSource.subscribe(
			sku,
			(a) => {
				setCounters(a);
				record(a);
			},
			(state) => {
				setLive(state);
				// The socket is back: the server is too, so failed polls need not wait out their backoff.
				if (state.kind === "open") for (const p of pollers) p.retryNow();
			},
		);

		const pollStats = async (): Promise<boolean | ApiErr> => {
			const r = await api.stats(sku);
			if (stopped) return true;
			if (r.ok) {
				setStats(r.data);
				setError(null);
				record(r.data);
			} else setError(r);
			return r.ok || r;
		};

		const pollMetrics = async (): Promise<boolean> => {
			const r = await api.metrics(sku, METRICS_WINDOW_SECONDS);
			if (stopped) return true;
			if (r.ok) setMetrics(r.data);
			return r.ok;
		};

		// The trail pages oldest first: start at its tail, follow it with the server's cursor,
		// keep only the newest rows (src/web/console/trail.ts).
		// The follower reports only that a read failed; its requests are watched for what failed.
		let trailError: ApiErr | null = null;
		const watched = {
			events: async (...a: Parameters<ApiClient["events"]>) => {
				const r = await api.events(...a);
				trailError = r.ok ? null : r;
				return r;
			},
			eventsTail: async (...a: Parameters<ApiClient["eventsTail"]>) => {
				const r = await api.eventsTail(...a);
				trailError = r.ok ? null : r;
				return r;
			},
		};
		const followTrail = trailPoller(
			watched,
			sku,
			(got) => setEvents((old) => withNewEvents(old, got)),
			() => stopped,
		);
		const pollEvents = async (): Promise<boolean | ApiErr> => {
			trailError = null;
			const ok = await followTrail();
			return ok || (trailError ?? false);
		};

		pollers = [
			schedule(STATS_POLL_MS, pollStats, (at) => {
				if (!stopped) setRetryAtMs(at);
			}),
			schedule(EVENTS_POLL_MS, pollEvents, (at) => {
				if (stopped) return;
				const failed = trailError;
				// The rows stay as last read; the panel says they stopped there and when it asks again.
				setTrailProblem((old) =>
					at === null
						? null
						: {
								error: failed ?? old?.error ?? NO_ANSWER,
								failedAtMs: Date.now(),
								retryAtMs: at,
							},
				);
			}),
			schedule(METRICS_POLL_MS, pollMetrics, () => {}),
		];
		return () => {
			stopped = true;
			unsubscribe();
			for (const p of pollers) p.stop();
		};
	}, [api, liveSource, sku]);

	return { stats, counters, live, history, metrics, events, error, retryAtMs, trailProblem };
}
