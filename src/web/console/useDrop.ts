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

const STATS_POLL_MS = 1_000;
const EVENTS_POLL_MS = 1_500;
/** The metrics answer is the whole window (up to 900 points), so it is asked less often than the stats. */
const METRICS_POLL_MS = 2_000;
/** The window the latency panel shows: the whole history the server keeps (15 minutes). */
export const METRICS_WINDOW_SECONDS = 900;

/** Events fetched per page (docs/api.md allows 1..1000) and pages per poll while catching up. */
const EVENTS_PAGE = 1_000;
const EVENTS_PAGES_PER_POLL = 5;
/** Probes allowed to find the end of a long trail (each doubles the range: 2^40 events). */
const MAX_TAIL_PROBES = 40;
/** Rows the audit table keeps (newest first). */
export const AUDIT_ROWS = 200;
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
}

interface Poller {
	/** Asks again at once if the last poll failed (the live socket came back). */
	retryNow(): void;
	stop(): void;
}

/** Runs `poll` now, then again after each answer: at `baseMs`, or backing off while it fails. */
function schedule(
	baseMs: number,
	poll: () => Promise<boolean>,
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
		const ok = await poll().catch(() => false);
		running = false;
		if (stopped) return;
		failures = ok ? 0 : failures + 1;
		const waitMs = pollDelayMs(baseMs, failures);
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

	useEffect(() => {
		setStats(null);
		setMetrics(null);
		setCounters(null);
		setHistory([]);
		setEvents([]);
		setError(null);
		setRetryAtMs(null);
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

		const pollStats = async (): Promise<boolean> => {
			const r = await api.stats(sku);
			if (stopped) return true;
			if (r.ok) {
				setStats(r.data);
				setError(null);
				record(r.data);
			} else setError(r);
			return r.ok;
		};

		const pollMetrics = async (): Promise<boolean> => {
			const r = await api.metrics(sku, METRICS_WINDOW_SECONDS);
			if (stopped) return true;
			if (r.ok) setMetrics(r.data);
			return r.ok;
		};

		// The trail pages oldest first; start near its tail, follow it with a cursor,
		// keep only the newest rows.
		let cursor: string | null = null;
		let started = false;
		const pollEvents = async (): Promise<boolean> => {
			if (!started) {
				const tail = await tailCursor(api, sku);
				if (tail === undefined) return false;
				cursor = tail;
				started = true;
			}
			for (let page = 0; page < EVENTS_PAGES_PER_POLL; page++) {
				const r = await api.events(sku, cursor, EVENTS_PAGE);
				if (stopped) return true;
				if (!r.ok) return false;
				const got = r.data.events;
				const last = got.at(-1);
				if (last !== undefined) {
					cursor = r.data.next ?? String(last.seq);
					setEvents((old) => [...got.slice(-AUDIT_ROWS).reverse(), ...old].slice(0, AUDIT_ROWS));
				}
				if (r.data.next === null) return true;
			}
			return true;
		};

		pollers = [
			schedule(STATS_POLL_MS, pollStats, (at) => {
				if (!stopped) setRetryAtMs(at);
			}),
			schedule(EVENTS_POLL_MS, pollEvents, () => {}),
			schedule(METRICS_POLL_MS, pollMetrics, () => {}),
		];
		return () => {
			stopped = true;
			unsubscribe();
			for (const p of pollers) p.stop();
		};
	}, [api, liveSource, sku]);

	return { stats, counters, live, history, metrics, events, error, retryAtMs };
}

/**
 * A cursor about AUDIT_ROWS events before the end of the trail, so a long drop
 * shows its newest events at once instead of paging through all of them.
 * The cursor is the event's `seq` (dense, from 1): "are there events after x"
 * is then a one-row query, and the end is found by doubling, then bisecting.
 * Returns undefined when the server cannot be asked (the next poll retries).
 */
async function tailCursor(api: ApiClient, sku: string): Promise<string | null | undefined> {
	const first = await api.events(sku, null, EVENTS_PAGE);
	if (!first.ok) return undefined;
	if (first.data.next === null) return null;
	const after = async (x: number): Promise<boolean | undefined> => {
		const r = await api.events(sku, String(x), 1);
		return r.ok ? r.data.events.length > 0 : undefined;
	};
	let low = Number(first.data.next);
	let high = low * 2;
	for (let probes = 0; probes < MAX_TAIL_PROBES; probes++) {
		const more = await after(high);
		if (more === undefined) return undefined;
		if (!more) break;
		low = high;
		high *= 2;
	}
	// Invariant: events exist after `low`, none after `high`.
	while (high - low > 1) {
		const mid = Math.floor((low + high) / 2);
		const more = await after(mid);
		if (more === undefined) return undefined;
		if (more) low = mid;
		else high = mid;
	}
	return String(Math.max(0, high - AUDIT_ROWS));
}
