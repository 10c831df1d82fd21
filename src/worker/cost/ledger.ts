// Where a session's running total lives: in this isolate's memory, flushed to
// the session's CostLedgerObject at most once per LEDGER_FLUSH_MS.
//
// The choice (docs/architecture.md, "Hot path": no D1 or KV write on it):
// - A KV write per request would cost $5 per million (17× the Worker request
//   itself), sit on the answer's path, and KV allows one write per key per second.
// - KV written on a debounce is off the path but has no atomic add: two
//   isolates serving one session would overwrite each other's increments.
// - Inside the SKU object's answer: only requests that reach a SKU object
//   would be counted, and a session spans many SKUs.
// - Chosen: the isolate keeps each session's total in memory (the answer costs
//   no I/O at all) and adds the pending amount to a small per-session Durable
//   Object in the background (waitUntil). The object adds atomically and
//   answers the authoritative total, so isolates converge; an isolate that
//   first sees a session reads that total once, like the session cache in
//   middleware/auth.ts reads KV once. Totals seen by one isolate are exact and
//   immediate; another isolate's spend shows up within one flush interval.
// The flush's own cost (one object request, one row written) is carried by
// the request that arms it, so a session's total is exactly the sum of the
// request costs its responses report.

import type { DemoGuardrailSetting } from "../../shared/demo-guardrail.ts";
import type { UsageCounts } from "../../shared/types.ts";
import type { Env } from "../env.ts";
import type { LedgerTotal } from "./ledger-object.ts";

/** At most one ledger write per session per this interval. */
export const LEDGER_FLUSH_MS = 2000;
/** Sessions remembered per isolate; the oldest is flushed and forgotten beyond it. */
const MAX_SESSIONS = 10_000;
/** What one flush costs, modelled: one object request, one row upserted, about a millisecond awake. */
export const LEDGER_FLUSH_USAGE: Partial<UsageCounts> = {
	doRequests: 1,
	doRowsWritten: 1,
	doWallMs: 1,
};

export interface LedgerEntry {
	/** The object's total as last answered (includes every isolate's flushed spend). */
	baseUsd: number;
	/** Sent to the object, not yet acknowledged. */
	inFlightUsd: number;
	/** Charged here, not yet sent. */
	pendingUsd: number;
	/** The session's demo guardrail as the object last answered it (null: GUARDRAIL_VIRTUAL_USD applies). */
	guardrail: DemoGuardrailSetting | null;
	/** A flush is scheduled (its cost already carried by the request that armed it). */
	armed: boolean;
	lastFlushMs: number;
	/** Resolves once the object's total has been read (first sight in this isolate). */
	ready: Promise<void> | null;
	flushing: Promise<void> | null;
}

const entries = new Map<string, LedgerEntry>();

export function totalUsd(e: LedgerEntry): number {
	return e.baseUsd + e.inFlightUsd + e.pendingUsd;
}

function ledger(env: Env, sessionId: string) {
	const ns = env.LEDGER;
	return ns === undefined ? null : ns.get(ns.idFromName(sessionId));
}

/**
 * A new entry counts as just flushed, plus a random part of one interval: its
 * first write goes out one to two intervals after it appears, not in the middle
 * of the burst that brought the session. The random part spreads the flushes of
 * sessions that appeared together over the interval; without it they stay in
 * step, and every LEDGER_FLUSH_MS all of them commit in one wave that holds up the
 * thread the reserve path runs on (measured: ~230 ledger fsyncs within 0.5 s every
 * 2 s under the bench's 256 sessions, docs/hot-path.md "The commit cycle at half
 * the peak").
 */
function fresh(): LedgerEntry {
	return {
		baseUsd: 0,
		inFlightUsd: 0,
		pendingUsd: 0,
		guardrail: null,
		armed: false,
		lastFlushMs: Date.now() + Math.random() * LEDGER_FLUSH_MS,
		ready: null,
		flushing: null,
	};
}

function remember(
	sessionId: string,
	entry: LedgerEntry,
	env: Env,
	defer: (p: Promise<unknown>) => void,
): void {
	entries.delete(sessionId);
	entries.set(sessionId, entry);
	if (entries.size <= MAX_SESSIONS) return;
	const oldest = entries.keys().next().value;
	if (oldest === undefined) return;
	const evicted = entries.get(oldest);
	entries.delete(oldest);
	// Its unsent spend still reaches the object; a later request re-reads the total.
	if (evicted !== undefined && evicted.pendingUsd > 0) defer(flush(env, oldest, evicted));
}

/**
 * The session's entry, read from its ledger object on first sight in this
 * isolate (one object request, counted into `usage`). Later requests find it
 * in memory and do no I/O.
 */
export function openEntry(
	env: Env,
	sessionId: string,
	usage: UsageCounts,
	defer: (p: Promise<unknown>) => void,
): LedgerEntry {
	let entry = entries.get(sessionId);
	if (entry === undefined) {
		entry = fresh();
		const stub = ledger(env, sessionId);
		if (stub !== null) {
			const target = entry;
			usage.doRequests += 1;
			const startedMs = Date.now();
			target.ready = stub
				.total()
				.then(
					(t: LedgerTotal) => {
						target.baseUsd = Math.max(target.baseUsd, t.virtualUsd);
						adoptGuardrail(target, t);
					},
					(error: unknown) => {
						// Unreachable ledger: count from zero here; the next flush answers the true total.
						console.warn("cost ledger read failed", String(error));
					},
				)
				.finally(() => {
					usage.doWallMs += Date.now() - startedMs;
					target.ready = null;
				});
			defer(target.ready);
		}
	}
	remember(sessionId, entry, env, defer);
	// Off the hot path: the read lands in the background and raises the entry's
	// base when it does. No request waits on it — a promise resolved from
	// another request's context can cancel continuations in workerd — so the
	// first request of a session in an isolate is judged against what this
	// isolate knows; the cost limit then holds from the next one (docs/hot-path.md).
	return entry;
}

/** The entry if this isolate has one; a session born in this request starts from zero. */
export function entryFor(
	env: Env,
	sessionId: string,
	defer: (p: Promise<unknown>) => void,
): LedgerEntry {
	const found = entries.get(sessionId);
	if (found !== undefined) return found;
	const entry = fresh();
	remember(sessionId, entry, env, defer);
	return entry;
}

/**
 * Adds a request's cost. When no flush is scheduled, schedules one and
 * returns true: the caller has already added LEDGER_FLUSH_USAGE to that
 * request's usage (see `needsFlush`).
 */
export function charge(
	env: Env,
	sessionId: string,
	entry: LedgerEntry,
	usd: number,
	armFlush: boolean,
	defer: (p: Promise<unknown>) => void,
): void {
	entry.pendingUsd += usd;
	if (!armFlush) return;
	entry.armed = true;
	const waitMs = Math.max(0, entry.lastFlushMs + LEDGER_FLUSH_MS - Date.now());
	defer(
		new Promise((resolve) => setTimeout(resolve, waitMs)).then(() => {
			entry.armed = false;
			return flush(env, sessionId, entry);
		}),
	);
}

/**
 * Takes the guardrail an answer of the object carries, unless this isolate
 * already knows a newer one (a flush answered after the route changed it).
 * Another isolate's change arrives with this one's next flush, like its spend.
 */
export function adoptGuardrail(entry: LedgerEntry, t: LedgerTotal): void {
	const next = t.guardrail ?? null;
	if (next === null) return;
	if (entry.guardrail === null || next.version >= entry.guardrail.version) entry.guardrail = next;
}

/** True when this request would arm the session's next flush (and so carries its cost). */
export function needsFlush(env: Env, entry: LedgerEntry): boolean {
	return env.LEDGER !== undefined && !entry.armed;
}

/** Sends what is pending; one flush in flight per entry, so the answered total is simply the new base. */
async function flush(env: Env, sessionId: string, entry: LedgerEntry): Promise<void> {
	while (entry.flushing !== null) await entry.flushing;
	const stub = ledger(env, sessionId);
	const delta = entry.pendingUsd;
	if (stub === null || delta === 0) return;
	entry.lastFlushMs = Date.now();
	entry.pendingUsd = 0;
	entry.inFlightUsd = delta;
	// Each outcome updates the entry in one synchronous step, so no reader ever sees the delta twice.
	entry.flushing = stub.add(delta).then(
		(t: LedgerTotal) => {
			entry.baseUsd = t.virtualUsd;
			adoptGuardrail(entry, t);
			entry.inFlightUsd = 0;
			entry.flushing = null;
		},
		(error: unknown) => {
			// Kept in memory and sent with the next flush: a slow ledger never loses spend.
			console.warn("cost ledger flush failed", String(error));
			entry.pendingUsd += delta;
			entry.inFlightUsd = 0;
			entry.flushing = null;
		},
	);
	await entry.flushing;
}
