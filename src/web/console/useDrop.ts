// Everything the console watches for one drop: counters over the live socket
// (fast) and the stats endpoint (attempts, rejections, oversell), a bounded
// history of stock for the chart, latency samples, and the tail of the audit trail.

import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEvent, Availability, Stats } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import type { LiveSource, LiveState } from "../api/live.ts";
import { SampleWindow } from "../lib/percentiles.ts";

const STATS_POLL_MS = 1_000;
const EVENTS_POLL_MS = 1_500;
/** Events fetched per page (api.md allows 1..1000) and pages per poll while catching up. */
const EVENTS_PAGE = 1_000;
const EVENTS_PAGES_PER_POLL = 5;
/** Probes allowed to find the end of a long trail (each doubles the range: 2^40 events). */
const MAX_TAIL_PROBES = 40;
/** Rows the audit table keeps (newest first). */
export const AUDIT_ROWS = 200;
/** Points of stock history on the chart (at ~1 per second: ten minutes). */
const HISTORY_POINTS = 600;
const LATENCY_SAMPLES = 1_000;

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
	/** Server-side time (meta.latencyMs) of this console's own API calls. */
	latencyMs: readonly number[];
	events: AuditEvent[];
	error: ApiErr | null;
}

export function useDrop(api: ApiClient, liveSource: LiveSource, sku: string | null): DropView {
	const [stats, setStats] = useState<Stats | null>(null);
	const [counters, setCounters] = useState<Availability | null>(null);
	const [live, setLive] = useState<LiveState>({ kind: "connecting" });
	const [history, setHistory] = useState<StockPoint[]>([]);
	const [events, setEvents] = useState<AuditEvent[]>([]);
	const [error, setError] = useState<ApiErr | null>(null);
	const [latencyMs, setLatencyMs] = useState<readonly number[]>([]);
	const samples = useRef(new SampleWindow(LATENCY_SAMPLES));

	useEffect(() => {
		setStats(null);
		setCounters(null);
		setHistory([]);
		setEvents([]);
		setError(null);
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
		const unsubscribe = liveSource.subscribe(
			sku,
			(a) => {
				setCounters(a);
				record(a);
			},
			setLive,
		);

		let statsBusy = false;
		const pollStats = async () => {
			if (statsBusy || stopped) return;
			statsBusy = true;
			const r = await api.stats(sku);
			statsBusy = false;
			if (stopped) return;
			if (r.ok) {
				setStats(r.data);
				setError(null);
				samples.current.add(r.meta.latencyMs);
				setLatencyMs(samples.current.all().slice());
				record(r.data);
			} else setError(r);
		};

		// The trail pages oldest first; start near its tail, follow it with a cursor,
		// keep only the newest rows.
		let cursor: string | null = null;
		let started = false;
		let eventsBusy = false;
		const pollEvents = async () => {
			if (eventsBusy || stopped) return;
			eventsBusy = true;
			try {
				if (!started) {
					const tail = await tailCursor(api, sku);
					if (tail === undefined) return;
					cursor = tail;
					started = true;
				}
				for (let page = 0; page < EVENTS_PAGES_PER_POLL; page++) {
					const r = await api.events(sku, cursor, EVENTS_PAGE);
					if (stopped || !r.ok) return;
					const got = r.data.events;
					const last = got.at(-1);
					if (last !== undefined) {
						cursor = r.data.next ?? String(last.seq);
						setEvents((old) => [...got.slice(-AUDIT_ROWS).reverse(), ...old].slice(0, AUDIT_ROWS));
					}
					if (r.data.next === null) return;
				}
			} finally {
				eventsBusy = false;
			}
		};

		void pollStats();
		void pollEvents();
		const statsTimer = setInterval(() => void pollStats(), STATS_POLL_MS);
		const eventsTimer = setInterval(() => void pollEvents(), EVENTS_POLL_MS);
		return () => {
			stopped = true;
			unsubscribe();
			clearInterval(statsTimer);
			clearInterval(eventsTimer);
		};
	}, [api, liveSource, sku]);

	return { stats, counters, live, history, latencyMs, events, error };
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
