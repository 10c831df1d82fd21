// Eventual mode (docs/demo.md, step 3 "Race condition: safe vs eventual"): how a reservation
// is usually built on a regional database, kept here to be watched failing.
// Read the remaining count from D1 → pause 100 ms (the app server's work, a
// network hop) → write back remaining − quantity and record the allocation.
// Every request that read before the first write wrote back a count computed
// from the same stale value: a lost update, so allocations pass the stock.
//
// It keeps its own D1 tables (migrations/0002_eventual.sql) and never touches
// the SKU object's stock: safe mode's numbers stay exact next to it. It asks
// the SKU's own object, in one call, for the drop's rules (total, start, hold
// length, limit) and its gates, never a merge of a split SKU's shards. Allocations do not expire: this is bookkeeping to count oversell,
// cleared by a reset (the reset event's projection, inventory/projections.ts),
// not a second inventory. Until that projection has landed (a reset made while D1
// was failing waits in the object's outbox) eventual attempts on the SKU are
// answered 503, so none is made in the old drop's books and wiped with them.
//
// The drop's rules for a buyer hold here as on the safe path (docs/api.md, "Demo modes"):
// a session the SKU's waiting room has not admitted is answered 429 `queued`, and the
// purchase limit is kept. What this mode can count for the limit is its own bookkeeping:
// the attempt's quantity, and the session's earlier allocations read from D1 beside the
// stock, before the pause, so concurrent attempts of one session can pass it (the same
// lost update as the stock's). It does not count the session's safe-mode holds or orders,
// and safe mode does not count its allocations. An admission lets the session reserve here
// without being used up (the room counts units only the SKU's object holds).

import type { EventualReadRules, ReserveResult } from "../inventory/rpc.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import { randomHex } from "../shared/hex.ts";
import { sleep } from "../shared/sleep.ts";
import type { Reservation, SessionHolds } from "../shared/types.ts";
import { D1Budget } from "./d1-budget.ts";
import type { Env } from "./env.ts";
import { ApiError } from "./http.ts";
import { inventory } from "./inventory-stub.ts";
import { STORAGE_RETRY_AFTER_SECONDS } from "./storage-errors.ts";

/** docs/demo.md: "D1 read → 100 ms pause → write". */
export const EVENTUAL_PAUSE_MS = 100;
const ID_BYTES = 12;

/**
 * The most allocations `holds/mine?mode=eventual` lists: the session's newest this many (oldest
 * first), while `usedUnits` sums them all. The limit does not bound the list: the demo's own
 * sandbox does not count earlier allocations against it (its rows stop at
 * SANDBOX_EVENTUAL_ALLOCATIONS_MAX), and concurrent attempts pass it elsewhere too (the lost
 * update), so a session's allocations grow with every stampede until a reset.
 */
export const EVENTUAL_HOLDS_LISTED_MAX = 100;

/**
 * A session's units allocated on a SKU: eventual mode's limit and `holds/mine?mode=eventual`. Both
 * statements below are served by `eventual_allocations_by_session` (migrations/0008), reading
 * the session's rows only, never the SKU's others.
 */
export const SESSION_ALLOCATED_SQL =
	"SELECT COALESCE(SUM(quantity), 0) AS allocated FROM eventual_allocations WHERE sku = ? AND session_id = ?";

/**
 * The session's newest allocations on a SKU, newest first, up to a bound. Two made in the same
 * millisecond are told apart by the row id, the order D1 recorded them, which the index's
 * entries end with: a total order, read from the index with no sort.
 */
export const SESSION_ALLOCATIONS_SQL =
	"SELECT id, quantity, created_at, expires_at FROM eventual_allocations WHERE sku = ? AND session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?";

export interface EventualAttempt {
	sku: string;
	sessionId: string;
	quantity: number;
	idempotencyKey: string | null;
	/**
	 * Whether the session's earlier allocations count against perUserLimit: not on the
	 * presenter's own sandbox, whose stampede from one session is the demo
	 * (docs/decisions/012-sandbox-exemption.md); the attempt's own quantity always does.
	 */
	countEarlierAllocations: boolean;
	/** When the attempt arrived (the reserve limit's clock). */
	arrivedAtMs: number;
	/** The reserve limit the SKU's object counts the attempt against; null: none (RATE_LIMITS=off). */
	limits: ReserveLimits | null;
	/**
	 * The most allocation rows the SKU may hold (a demo sandbox's bound, domain/bounds.ts), kept
	 * exactly by the write itself; null: no bound (a real SKU's are its limits).
	 */
	allocationsMax: number | null;
}

type AllocationRow = { id: string; quantity: number; created_at: string; expires_at: string };

function eventualId(sku: string): string {
	// Says what it is; GET /api/reservations/:id answers 404 for it (no object holds it).
	return `eventual_${randomHex(ID_BYTES)}~${sku}`;
}

function toReservation(sku: string, row: AllocationRow, nowMs: number): Reservation {
	const expiresAtMs = Date.parse(row.expires_at);
	return {
		reservationId: row.id,
		sku,
		quantity: row.quantity,
		status: "RESERVED",
		createdAt: row.created_at,
		expiresAt: row.expires_at,
		expiresInSeconds: Math.max(0, Math.ceil((expiresAtMs - nowMs) / 1000)),
	};
}

async function replay(
	db: D1Database,
	a: EventualAttempt,
	nowMs: number,
): Promise<ReserveResult | null> {
	if (a.idempotencyKey === null) return null;
	const row = await db
		.prepare(
			"SELECT id, quantity, created_at, expires_at FROM eventual_allocations WHERE sku = ? AND session_id = ? AND idem_key = ?",
		)
		.bind(a.sku, a.sessionId, a.idempotencyKey)
		.first<AllocationRow>();
	return row === null
		? null
		: { ok: true, reservation: toReservation(a.sku, row, nowMs), replayed: true };
}

/**
 * One call to the SKU's own object (inventory/eventual-rules.ts) answers the drop's rules, whether a
 * reset has yet to reach D1, and the object's gates: the reserve limit (`limits`, counted) and the
 * waiting room. A keyed attempt may be a replay, answered as it was and not counted (as on the safe
 * path, docs/decisions/055-replays-and-the-live-feed.md): its call skips the limit, asked after
 * the replay's read by a second call when the attempt is new (docs/decisions/159-eventual-reserve-one-call-and-its-d1-budget.md).
 */
export async function reserveEventual(env: Env, a: EventualAttempt): Promise<ReserveResult> {
	const stub = inventory(env, a.sku);
	const keyed = a.idempotencyKey !== null;
	// Its D1 calls (the replay's read, the read, the write) share one D1 deadline (d1-budget.ts),
	// counted from the first of them: the object's answer is not D1's to wait for.
	const budget = new D1Budget();
	const ask = {
		sessionId: a.sessionId,
		arrivedAtMs: a.arrivedAtMs,
		limits: keyed ? null : a.limits,
	};
	// Asked beside the replay's read, so it costs no extra wait: before the reset's event has
	// reached D1, a replay would answer the old drop's allocation and a new one would be wiped
	// with them when it lands (docs/decisions/066-eventual-reset-live-with-and-payment-methods.md).
	const [rules, replayed] = await Promise.all([
		stub.eventualReadRules(ask),
		keyed ? budget.wait(() => replay(env.DB, a, Date.now())) : null,
	]);
	if (rules === null) return { ok: false, code: "unknown_sku" };
	if (rules.resetPending) throw resetNotProjected();
	if (replayed !== null) return replayed;
	if (!rulesOfThisVersion(rules)) throw objectOnEarlierCode();
	if (keyed && a.limits !== null) {
		const refusal = await stub.admit(a.sessionId, a.arrivedAtMs, a.limits);
		if (refusal !== null) return { ok: false, code: "rate_limited", refusal };
	}
	// The room's answer comes before the start, as on the safe path (docs/waiting-room.md).
	if (rules.refused !== null) return rules.refused;
	const startedMs = Date.now();
	if (rules.startsAt !== null && startedMs < Date.parse(rules.startsAt))
		return { ok: false, code: "not_started" };
	const limit = rules.perUserLimit;
	// Refused before its allocations are read: the sentence names no count of them.
	if (a.quantity > limit)
		return { ok: false, code: "purchase_limit", perUserLimit: limit, askedUnits: a.quantity };

	// The read: first use initialises the count from the product's stock; the session's own
	// allocations are read in the same batch, as stale as the count.
	const [, read, own] = await budget.wait(() =>
		env.DB.batch<{ remaining?: number; allocated?: number }>([
			env.DB.prepare(
				"INSERT OR IGNORE INTO eventual_stock (sku, total, remaining, updated_at) VALUES (?, ?, ?, ?)",
			).bind(a.sku, rules.totalStock, rules.totalStock, new Date(startedMs).toISOString()),
			env.DB.prepare("SELECT remaining FROM eventual_stock WHERE sku = ?").bind(a.sku),
			env.DB.prepare(SESSION_ALLOCATED_SQL).bind(a.sku, a.sessionId),
		]),
	);
	const earlier = a.countEarlierAllocations ? Number(own?.results[0]?.allocated ?? 0) : 0;
	if (earlier + a.quantity > limit)
		return {
			ok: false,
			code: "purchase_limit",
			perUserLimit: limit,
			usedUnits: earlier,
			askedUnits: a.quantity,
		};
	const remaining = read?.results[0]?.remaining ?? 0;
	if (remaining < a.quantity) return { ok: false, code: "sold_out" };

	// The gap in which every concurrent request reads the same `remaining`.
	await sleep(EVENTUAL_PAUSE_MS);

	// The write: an absolute value computed from the stale read — the lost update.
	const nowMs = Date.now();
	const row: AllocationRow = {
		id: eventualId(a.sku),
		quantity: a.quantity,
		created_at: new Date(nowMs).toISOString(),
		expires_at: new Date(nowMs + rules.holdSeconds * 1000).toISOString(),
	};
	try {
		const [written] = await budget.wait(() =>
			env.DB.batch(writeStatements(env.DB, a, row, remaining - a.quantity)),
		);
		// The SKU's bound was reached: no row, and the count was not written either.
		if (a.allocationsMax !== null && written?.meta.changes === 0)
			return { ok: false, code: "sold_out" };
	} catch (error) {
		// Two requests with one Idempotency-Key raced: the batch rolled back, the first one's answer stands.
		const again = /UNIQUE/i.test(String(error))
			? await budget.wait(() => replay(env.DB, a, nowMs))
			: null;
		if (again !== null) return again;
		throw error;
	}
	return { ok: true, reservation: toReservation(a.sku, row, nowMs) };
}

const WRITE_COUNT = "UPDATE eventual_stock SET remaining = ?, updated_at = ? WHERE sku = ?";
const INSERT_ALLOCATION = `INSERT INTO eventual_allocations (id, sku, session_id, quantity, idem_key, created_at, expires_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`;
/**
 * The same row, only while the SKU holds fewer than the bound: one statement, so D1 (which runs
 * one at a time) keeps the bound exactly, however many attempts passed the stale read together.
 * The count reads the SKU's entries of eventual_allocations_by_session (migrations/0008), at most the bound.
 */
const INSERT_ALLOCATION_BOUNDED = `INSERT INTO eventual_allocations (id, sku, session_id, quantity, idem_key, created_at, expires_at)
	SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM eventual_allocations WHERE sku = ?) < ?`;

/**
 * The write's batch: the stale count and the row, as ever; on a SKU with a bound, the row first,
 * then the count only if the row went in, so a refusal at the bound changes nothing.
 */
function writeStatements(
	db: D1Database,
	a: EventualAttempt,
	row: AllocationRow,
	remaining: number,
): D1PreparedStatement[] {
	const values = [
		row.id,
		a.sku,
		a.sessionId,
		a.quantity,
		a.idempotencyKey,
		row.created_at,
		row.expires_at,
	];
	if (a.allocationsMax === null)
		return [
			db.prepare(WRITE_COUNT).bind(remaining, row.created_at, a.sku),
			db.prepare(INSERT_ALLOCATION).bind(...values),
		];
	return [
		db.prepare(INSERT_ALLOCATION_BOUNDED).bind(...values, a.sku, a.allocationsMax),
		db
			.prepare(`${WRITE_COUNT} AND EXISTS (SELECT 1 FROM eventual_allocations WHERE id = ?)`)
			.bind(remaining, row.created_at, a.sku, row.id),
	];
}

/**
 * Whether the object answered the rules as this code asks them. An object still on the code
 * before decision 159 (a deploy's switch-over: this isolate new, the object not yet) ignores `ask`
 * and answers only `{ perUserLimit, resetPending }`, with no gates, stock, start or hold length.
 */
function rulesOfThisVersion(rules: EventualReadRules): boolean {
	const answer = rules as Partial<EventualReadRules>;
	return answer.refused !== undefined && typeof answer.totalStock === "number";
}

/**
 * The object runs earlier code for a moment of a deploy: the documented 503 of an object
 * restarting after a deploy (app.ts `objectBusy`, `Retry-After: 1`), before anything is counted
 * or written, rather than a 500 from the missing fields
 * (docs/decisions/169-review-29s-findings.md).
 */
function objectOnEarlierCode(): Error {
	return Object.assign(
		new Error(
			"the SKU's object answered eventual mode's rules in an earlier version's shape (a deploy's switch-over)",
		),
		{ retryable: true },
	);
}

/**
 * The answer while a reset of the SKU has not reached D1 yet: the documented 503 of a D1
 * outage (the object retries the copy at most OUTBOX_RETRY_MAX_MS apart, which the
 * Retry-After covers).
 */
function resetNotProjected(): ApiError {
	return new ApiError(
		"unavailable",
		"This SKU was reset and the reset has not reached the database yet; eventual mode resumes once it has. Retry shortly.",
		{ "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
	);
}

/**
 * The figures while a reset of the SKU has not reached D1 (the object's `resetUnprojected`):
 * D1 still holds the old drop's allocations, and the new drop has none, as eventual attempts
 * are refused until the reset lands (reserveEventual).
 */
export const EVENTUAL_AFTER_RESET: Readonly<{ allocated: number; oversellDelta: number }> = {
	allocated: 0,
	oversellDelta: 0,
};

/** Units eventual mode handed out for a SKU, and by how much that passes its stock. */
export async function eventualStats(
	db: D1Database,
	sku: string,
	total: number,
): Promise<{ allocated: number; oversellDelta: number }> {
	const row = await db
		.prepare(
			"SELECT COALESCE(SUM(quantity), 0) AS allocated FROM eventual_allocations WHERE sku = ?",
		)
		.bind(sku)
		.first<{ allocated: number }>();
	const allocated = Number(row?.allocated ?? 0);
	return { allocated, oversellDelta: Math.max(0, allocated - total) };
}

/**
 * A session's eventual allocations on a SKU as `GET …/holds/mine?mode=eventual` lists them
 * (docs/api.md, "The session's holds"; docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md,
 * docs/decisions/149-the-eventual-read-and-a-refused-renewal.md): each as its 201 answered it,
 * the newest EVENTUAL_HOLDS_LISTED_MAX oldest first, `RESERVED` until the next reset (nothing ends
 * one), and `usedUnits` the sum of them all (what eventual mode's purchase limit counts). No
 * cool-down: eventual mode has none. Null for a SKU its object does not know.
 * One call to the SKU's object first (its limit, and whether a reset has yet to reach D1; no merge
 * of a split SKU's shards), then, unless a reset is pending, one D1 batch: while a reset has not
 * reached D1, none is listed and D1 is not read (its records are the old drop's, as the stats'
 * `eventual`), so the answer does not wait on a D1 that is failing. D1 failing or slow:
 * StorageUnavailable (503), as eventual mode's reserve.
 */
export async function eventualHolds(
	env: Env,
	sku: string,
	sessionId: string,
): Promise<SessionHolds | null> {
	const rules = await inventory(env, sku).eventualReadRules();
	if (rules === null) return null;
	const { perUserLimit, resetPending } = rules;
	if (resetPending) return { holds: [], usedUnits: 0, perUserLimit, coolDownUntil: null };
	const budget = new D1Budget();
	const [listed, sum] = await budget.wait(() =>
		env.DB.batch<AllocationRow | { allocated: number }>([
			env.DB.prepare(SESSION_ALLOCATIONS_SQL).bind(sku, sessionId, EVENTUAL_HOLDS_LISTED_MAX),
			env.DB.prepare(SESSION_ALLOCATED_SQL).bind(sku, sessionId),
		]),
	);
	const nowMs = Date.now();
	const rows = (listed?.results ?? []) as AllocationRow[];
	const holds = rows.reverse().map((row) => toReservation(sku, row, nowMs));
	const allocated = (sum?.results[0] as { allocated?: number } | undefined)?.allocated;
	return { holds, usedUnits: Number(allocated ?? 0), perUserLimit, coolDownUntil: null };
}
