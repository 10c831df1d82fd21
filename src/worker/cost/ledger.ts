// Where a session's running total lives: in this isolate's memory, flushed to
// the session's ledger group object (ledger-group-object.ts) at most once per
// LEDGER_FLUSH_MS, one call per group carrying every pending session of it.
//
// The choice (docs/architecture.md, "Hot path": no D1 or KV write on it):
// - A KV write per request would cost $5 per million (17× the Worker request
//   itself), sit on the answer's path, and KV allows one write per key per second.
// - KV written on a debounce is off the path but has no atomic add: two
//   isolates serving one session would overwrite each other's increments.
// - Inside the SKU object's answer: only requests that reach a SKU object
//   would be counted, and a session spans many SKUs.
// - One small object per session (how it was until decision 041): an object
//   call and a durable commit per spending session per interval, ~128 a second
//   with the bench's 256 sessions, as large a write path as the reserves
//   themselves (docs/hot-path/commit-cycle.md, "Ledger groups").
// - Chosen: the isolate keeps each session's total in memory (the answer costs
//   no I/O at all) and, in the background (waitUntil), sends each ledger group
//   one call per interval with the pending amounts of all its sessions; the
//   group adds them atomically in one transaction and answers each session's
//   authoritative total, so isolates converge; an isolate that first sees a
//   session reads that total once, like the session cache in middleware/auth.ts
//   reads KV once. Totals seen by one isolate are exact and immediate; another
//   isolate's spend shows up within one flush interval.
// What a flush costs (one object request, one row per session, about a
// millisecond awake) is carried by the requests that arm it: the request that
// arms its group's next flush carries the object request and its session's
// row, a request that adds its session to a flush already armed carries that
// session's row. So a session's total is exactly the sum of the request costs
// its responses report, and the flushes' modelled cost is charged once.

import type { DemoGuardrailSetting } from "../../shared/demo-guardrail.ts";
import type { UsageCounts } from "../../shared/types.ts";
import type { Env } from "../env.ts";
import {
	type LedgerTotal,
	ledgerGroupName,
	ledgerGroupOf,
	type SpendBatch,
} from "./ledger-groups.ts";

/** At most one ledger call per group per this interval (so a session's spend waits at most about this long). */
export const LEDGER_FLUSH_MS = 2000;
/** Sessions remembered per isolate; the oldest is flushed and forgotten beyond it. */
const MAX_SESSIONS = 10_000;
/**
 * Carried by the request that arms its group's next call and puts its session in it,
 * modelled: the object request, about a millisecond awake, and the session's row.
 */
export const LEDGER_FLUSH_USAGE: Partial<UsageCounts> = {
	doRequests: 1,
	doRowsWritten: 1,
	doWallMs: 1,
};
/** Carried by a request that adds its session to a group call already armed: that session's row. */
export const LEDGER_ROW_USAGE: Partial<UsageCounts> = { doRowsWritten: 1 };
/** Carried by a request that arms its group's call for a session already in it (after a failed call). */
export const LEDGER_CALL_USAGE: Partial<UsageCounts> = { doRequests: 1, doWallMs: 1 };

export interface LedgerEntry {
	/** The group's total for this session as last answered (includes every isolate's flushed spend). */
	baseUsd: number;
	/** Sent to the group, not yet acknowledged. */
	inFlightUsd: number;
	/** Charged here, not yet sent. */
	pendingUsd: number;
	/** The session's demo guardrail as the group last answered it (null: GUARDRAIL_VIRTUAL_USD applies). */
	guardrail: DemoGuardrailSetting | null;
	/** In its group's next flush, its row's cost already carried by the request that put it there. */
	armed: boolean;
	/** Its ledger group (ledger-group-object.ts ledgerGroupOf). */
	group: number;
	/** Resolves once the group's total has been read (first sight in this isolate). */
	ready: Promise<void> | null;
	/** Reads and cancels of its own holds let through past the cost limit, here (cost/middleware.ts). */
	holdCallsPastLimit: number;
}

/** One ledger group as this isolate sends to it. */
interface GroupFlush {
	group: number;
	/** A call is scheduled (its cost already carried by the request that armed it). */
	armed: boolean;
	lastFlushMs: number;
	/** The sessions of the next call. */
	pending: Map<string, LedgerEntry>;
	/** The call in flight: one at a time per group, so a session has at most one delta in flight. */
	flushing: Promise<void> | null;
}

const entries = new Map<string, LedgerEntry>();
const groups = new Map<number, GroupFlush>();

export function totalUsd(e: LedgerEntry): number {
	return e.baseUsd + e.inFlightUsd + e.pendingUsd;
}

function groupStub(env: Env, group: number) {
	const ns = env.LEDGER_GROUP;
	return ns === undefined ? null : ns.get(ns.idFromName(ledgerGroupName(group)));
}

/**
 * A group this isolate has not sent to yet counts as just flushed, plus a random part
 * of one interval: its first call goes out one to two intervals after its first
 * session spends, not in the middle of the burst that brought the session. The random
 * part spreads the groups' calls over the interval; without it they stay in step, and
 * every LEDGER_FLUSH_MS all of them commit in one wave that holds up the thread the
 * reserve path runs on (measured with one object per session: ~230 ledger fsyncs
 * within 0.5 s every 2 s under the bench's 256 sessions, docs/hot-path/commit-cycle.md "The commit
 * cycle at half the peak").
 */
function groupFlush(group: number): GroupFlush {
	let g = groups.get(group);
	if (g === undefined) {
		g = {
			group,
			armed: false,
			lastFlushMs: Date.now() + Math.random() * LEDGER_FLUSH_MS,
			pending: new Map(),
			flushing: null,
		};
		groups.set(group, g);
	}
	return g;
}

function fresh(sessionId: string): LedgerEntry {
	return {
		baseUsd: 0,
		inFlightUsd: 0,
		pendingUsd: 0,
		guardrail: null,
		armed: false,
		group: ledgerGroupOf(sessionId),
		ready: null,
		holdCallsPastLimit: 0,
	};
}

function remember(sessionId: string, entry: LedgerEntry): void {
	entries.delete(sessionId);
	entries.set(sessionId, entry);
	if (entries.size <= MAX_SESSIONS) return;
	const oldest = entries.keys().next().value;
	if (oldest === undefined) return;
	entries.delete(oldest);
	// Forgetting it loses nothing: spend not yet acknowledged is in its group's next
	// call (`pending` holds the entry), and a later request re-reads the total.
}

/**
 * An entry forgotten by `remember` while its spend waited for its group's call: taken
 * back as it is, so the call answers into the entry this isolate uses, and a new
 * entry never replaces it in the group's `pending` (which would drop its spend).
 */
function parked(sessionId: string): LedgerEntry | undefined {
	return groups.get(ledgerGroupOf(sessionId))?.pending.get(sessionId);
}

/**
 * The session's entry, read from its ledger group on first sight in this
 * isolate (one object request, counted into `usage`). Later requests find it
 * in memory and do no I/O.
 */
export function openEntry(
	env: Env,
	session: { sessionId: string },
	usage: UsageCounts,
	defer: (p: Promise<unknown>) => void,
): LedgerEntry {
	const { sessionId } = session;
	let entry = entries.get(sessionId) ?? parked(sessionId);
	if (entry === undefined) {
		entry = fresh(sessionId);
		const stub = groupStub(env, entry.group);
		if (stub !== null) {
			const target = entry;
			usage.doRequests += 1;
			const startedMs = Date.now();
			target.ready = stub
				.read(sessionId)
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
	remember(sessionId, entry);
	// Off the hot path: the read lands in the background and raises the entry's
	// base when it does. No request waits on it — a promise resolved from
	// another request's context can cancel continuations in workerd — so the
	// first request of a session in an isolate is judged against what this
	// isolate knows; the cost limit then holds from the next one (docs/hot-path/how-it-works.md).
	return entry;
}

/**
 * The entry of a session a route found after the cost middleware judged the request without
 * it: the middleware stopped waiting for a slow KV, or KV failed it and answered the route's
 * ask (middleware/auth.ts optionalSession, decisions 056 and 094), or the session came from the
 * request's body (a renewal). The entry this isolate has, with no I/O; otherwise the session's
 * first sight here, read from its group as `openEntry` reads it, so its stored total counts from
 * the session's next request (docs/decisions/099-a-late-known-sessions-total.md). A session
 * minted by this very request has no total anywhere: `bornEntry`.
 */
export function entryFor(
	env: Env,
	sessionId: string,
	usage: UsageCounts,
	defer: (p: Promise<unknown>) => void,
): LedgerEntry {
	return entries.get(sessionId) ?? openEntry(env, { sessionId }, usage, defer);
}

/**
 * A session minted by this request (POST /api/sessions, not a renewal): its group has no row
 * for it, so it starts from zero without a read, and no later request of it reads either.
 */
export function bornEntry(sessionId: string): LedgerEntry {
	const entry = entries.get(sessionId) ?? parked(sessionId) ?? fresh(sessionId);
	remember(sessionId, entry);
	return entry;
}

/**
 * What this request carries for the ledger's flush, to be added to its usage before
 * it is priced and passed to `charge` (null: nothing, the session is already in its
 * group's next call, or no ledger is bound).
 */
export function flushUsage(env: Env, entry: LedgerEntry): Partial<UsageCounts> | null {
	if (env.LEDGER_GROUP === undefined) return null;
	const callArmed = groupFlush(entry.group).armed;
	if (entry.armed) return callArmed ? null : LEDGER_CALL_USAGE;
	return callArmed ? LEDGER_ROW_USAGE : LEDGER_FLUSH_USAGE;
}

/**
 * Adds a request's cost. `armFlush` (flushUsage answered usage, which the caller
 * added to this request's) puts the session into its group's next call, and
 * schedules that call when none is.
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
	const g = groupFlush(entry.group);
	if (!entry.armed) {
		entry.armed = true;
		g.pending.set(sessionId, entry);
	}
	if (!g.armed) arm(env, g, defer);
}

function arm(env: Env, g: GroupFlush, defer: (p: Promise<unknown>) => void): void {
	g.armed = true;
	defer(flushDue(g).then(() => flush(env, g)));
}

/**
 * Resolves once LEDGER_FLUSH_MS has passed since the group's last call on the isolate's clock
 * (Date.now(), the clock lastFlushMs is kept on), waiting again when a timer fires before that.
 * On the runtime's clock the first wait is the only one. A test that holds Date.now()
 * (test/integration/held-clock.ts) then holds the flushes too, as it holds the edge's bound and
 * a shard's memo: a test that counts object calls counts no flush that only a slow machine's
 * longer run brought in.
 */
async function flushDue(g: GroupFlush): Promise<void> {
	for (;;) {
		const waitMs = g.lastFlushMs + LEDGER_FLUSH_MS - Date.now();
		if (waitMs <= 0) return;
		await new Promise((resolve) => setTimeout(resolve, waitMs));
	}
}

/**
 * Takes the guardrail an answer of the group carries, unless this isolate
 * already knows a newer one (a flush answered after the route changed it).
 * Another isolate's change arrives with this one's next flush, like its spend.
 */
export function adoptGuardrail(entry: LedgerEntry, t: LedgerTotal): void {
	const next = t.guardrail ?? null;
	if (next === null) return;
	if (entry.guardrail === null || next.version >= entry.guardrail.version) entry.guardrail = next;
}

/** Sends every pending session of the group in one call; the answered totals become the new bases. */
async function flush(env: Env, g: GroupFlush): Promise<void> {
	while (g.flushing !== null) await g.flushing;
	// Sessions that joined while the previous call was in flight go in this one: until
	// here the group stays armed, so they carried only their rows.
	g.armed = false;
	const stub = groupStub(env, g.group);
	if (stub === null) return;
	const sent: [string, LedgerEntry][] = [];
	const batch: SpendBatch = [];
	for (const [sessionId, entry] of g.pending) {
		entry.armed = false;
		const delta = entry.pendingUsd;
		if (delta === 0) continue;
		entry.pendingUsd = 0;
		entry.inFlightUsd = delta;
		sent.push([sessionId, entry]);
		batch.push({ sessionId, deltaUsd: delta });
	}
	g.pending.clear();
	if (batch.length === 0) return;
	g.lastFlushMs = Date.now();
	// Each outcome updates every entry in one synchronous step, so no reader ever sees a delta twice.
	g.flushing = stub.add(batch).then(
		(totals: LedgerTotal[]) => {
			sent.forEach(([, entry], i) => {
				const t = totals[i];
				if (t === undefined) entry.baseUsd += entry.inFlightUsd;
				else {
					entry.baseUsd = t.virtualUsd;
					adoptGuardrail(entry, t);
				}
				entry.inFlightUsd = 0;
			});
			g.flushing = null;
		},
		(error: unknown) => {
			// Kept in memory and sent with the group's next call (armed by the next request of
			// any of its sessions, these included): a slow ledger never loses spend. The rows' cost was carried
			// by the requests that armed them, and this call wrote none, so the retry carries none.
			console.warn("cost ledger flush failed", String(error));
			for (const [sessionId, entry] of sent) {
				entry.pendingUsd += entry.inFlightUsd;
				entry.inFlightUsd = 0;
				entry.armed = true;
				g.pending.set(sessionId, entry);
			}
			g.flushing = null;
		},
	);
	await g.flushing;
}

/** An isolate's fresh start: forgets every session and group. For tests, which share a process. */
export function forgetLedgerIsolate(): void {
	entries.clear();
	groups.clear();
}
