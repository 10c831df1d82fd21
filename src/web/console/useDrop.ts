// Everything the console watches for one drop: counters over the live socket
// (fast) and the stats endpoint (attempts, rejections, oversell; its answer is the
// counters too when it is the newer of the two), a bounded
// history of stock for the chart, the server's per-second history of the
// reserve path (attempts, rejections, decision latency; kept by the SKU's
// object, so it survives a reload), and the tail of the audit trail.

import { useEffect, useState } from "preact/hooks";
import type { AuditEvent, Availability, SkuMetrics, Stats } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import type { LiveSource, LiveState } from "../api/live.ts";
import { CountersChoice } from "./counters-choice.ts";
import { type Poller, pollerGroup } from "./pollers.ts";
import type { TrailReads } from "./reset-outcome.ts";
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

const CONNECTING: LiveState = { kind: "connecting" };

/** Resets of the trail kept for settling a reset whose answer was lost (src/web/console/reset-outcome.ts). */
const RESETS_KEPT = 50;

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
	/**
	 * The Live counters: the newer of the live socket's last frame and the last stats answer
	 * (src/web/console/counters-choice.ts).
	 */
	counters: Availability | Stats | null;
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
	/**
	 * When the last read of the trail that worked began, and the `inventory.reset` events read
	 * so far (all of them, not only the rows the table keeps); null until a read worked.
	 */
	trailReads: TrailReads | null;
}

export function useDrop(api: ApiClient, liveSource: LiveSource, sku: string | null): DropView {
	const [stats, setStats] = useState<Stats | null>(null);
	const [counters, setCounters] = useState<Availability | Stats | null>(null);
	// The live state with the SKU whose socket reported it: in the first render for another drop
	// the last drop's "open" is not this drop's, so it reads as connecting, and the badge (keyed by
	// SKU) says nothing until this drop's socket opens (decision 155).
	const [liveOf, setLiveOf] = useState<{ sku: string; state: LiveState } | null>(null);
	const live: LiveState = liveOf !== null && liveOf.sku === sku ? liveOf.state : CONNECTING;
	const [history, setHistory] = useState<StockPoint[]>([]);
	const [events, setEvents] = useState<AuditEvent[]>([]);
	const [error, setError] = useState<ApiErr | null>(null);
	const [metrics, setMetrics] = useState<SkuMetrics | null>(null);
	const [retryAtMs, setRetryAtMs] = useState<number | null>(null);
	const [trailProblem, setTrailProblem] = useState<DropView["trailProblem"]>(null);
	const [trailReads, setTrailReads] = useState<TrailReads | null>(null);

	useEffect(() => {
		setStats(null);
		setMetrics(null);
		setCounters(null);
		setHistory([]);
		setEvents([]);
		setError(null);
		setRetryAtMs(null);
		setTrailProblem(null);
		setTrailReads(null);
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
		let pollers: Poller | null = null;
		const choice = new CountersChoice();
		const unsubscribe = liveSource.subscribe(
			sku,
			(a) => {
				// A frame older than the stats answer shown (a split SKU's merge) is not shown.
				if (!choice.frame(a)) return;
				setCounters(a);
				record(a);
			},
			(state) => {
				setLiveOf({ sku, state });
				// The socket is back: the server is too, so failed polls need not wait out their backoff.
				if (state.kind === "open") pollers?.retryNow();
			},
		);

		const pollStats = async (): Promise<boolean | ApiErr> => {
			const asked = choice.asking();
			const r = await api.stats(sku);
			if (stopped) return true;
			if (r.ok) {
				setStats(r.data);
				setError(null);
				record(r.data);
				// A stats answer asked after the last frame arrived is at least as new as that frame, so
				// it shows: a socket that is down (a restart: it waits out its backoff) or silent no
				// longer holds the counters at an old frame while the stats, the chart and the trail
				// already say otherwise. A frame that arrived while the stats were asked may be the
				// newer one, so it stays.
				if (choice.stats(asked, r.data)) setCounters(r.data);
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
		/** The last page read was the trail's last (the follower reads at most a few pages a poll). */
		let caughtUp = false;
		const watched = {
			events: async (...a: Parameters<ApiClient["events"]>) => {
				const r = await api.events(...a);
				trailError = r.ok ? null : r;
				caughtUp = r.ok && r.data.next === null;
				return r;
			},
			eventsTail: async (...a: Parameters<ApiClient["eventsTail"]>) => {
				const r = await api.eventsTail(...a);
				trailError = r.ok ? null : r;
				return r;
			},
		};
		let resets: AuditEvent[] = [];
		const followTrail = trailPoller(
			watched,
			sku,
			(got) => {
				setEvents((old) => withNewEvents(old, got));
				const more = got.filter((e) => e.type === "inventory.reset");
				if (more.length > 0) resets = [...resets, ...more].slice(-RESETS_KEPT);
			},
			() => stopped,
		);
		const pollEvents = async (): Promise<boolean | ApiErr> => {
			trailError = null;
			caughtUp = false;
			const startedAtMs = Date.now();
			const ok = await followTrail();
			// The server brings the trail up to date before it answers (src/worker/routes/admin.ts):
			// a read that reached the trail's end holds whatever the server had done when it began.
			if (ok && caughtUp && !stopped) setTrailReads({ startedAtMs, resets });
			return ok || (trailError ?? false);
		};

		// Whichever poll reaches the server first after an outage wakes the others and the live
		// socket (src/web/console/pollers.ts; src/web/api/live-source.ts, wake).
		pollers = pollerGroup(
			[
				{
					baseMs: STATS_POLL_MS,
					poll: pollStats,
					onWait: (at) => {
						if (!stopped) setRetryAtMs(at);
					},
				},
				{
					baseMs: EVENTS_POLL_MS,
					poll: pollEvents,
					onWait: (at) => {
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
					},
				},
				{ baseMs: METRICS_POLL_MS, poll: pollMetrics, onWait: () => {} },
			],
			() => {
				if (!stopped) liveSource.wake?.();
			},
		);
		return () => {
			stopped = true;
			unsubscribe();
			pollers?.stop();
		};
	}, [api, liveSource, sku]);

	return {
		stats,
		counters,
		live,
		history,
		metrics,
		events,
		error,
		retryAtMs,
		trailProblem,
		trailReads,
	};
}
