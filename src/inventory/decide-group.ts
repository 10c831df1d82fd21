// One group commit of the SKU object (group-commit.ts queues the calls, this decides
// them): the reserve attempts, cancels and waiting-room joins that arrived together,
// decided in one synchronous block and written in one transaction. Nothing here
// awaits: the writes of the block are one implicit transaction, and the output gate
// holds every answer until it is durable (docs/architecture.md, invariant 3). An
// `await` between the decision and its write would let an answer out before its
// decision survives a crash.

import type { AttemptMemo } from "../domain/attempt-memo.ts";
import type { ReplayWindows } from "../domain/idempotency.ts";
import type { Hold, Inventory } from "../domain/inventory.ts";
import type { Work } from "../domain/timeseries.ts";
import type { ReserveGuard } from "../ratelimit/reserve-guard.ts";
import { clockOfId } from "../shared/hex.ts";
import {
	decideOps,
	type JoinOp,
	NO_ROWS,
	type Op,
	type OpAnswer,
	shareRows,
} from "./batch-decisions.ts";
import { toAvailability, toReservation } from "./codec.ts";
import type { DecisionMetrics } from "./metrics.ts";
import { recallReaders, type StoredReads, storeReaders } from "./readers.ts";
import type { RoomLink } from "./room-shards.ts";
import type { RowMeter } from "./rows.ts";
import type { EdgeSnapshot, JoinResult, ReserveRequest, ReserveResult } from "./rpc.ts";
import type { StateWriter } from "./state-writer.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** What a group commit needs of the object (inventory/object.ts builds it from its own state). */
export interface DecideHost {
	storage: Pick<DurableObjectStorage, "transactionSync">;
	sql: SqlStorage;
	/** Counts the rows of the batch, shared among its calls for the cost ledger. */
	rows: RowMeter;
	guard: ReserveGuard;
	/** The stored reads in memory (inventory/readers.ts): told of the reads a batch stored. */
	storedReads: StoredReads;
	windows: ReplayWindows;
	/** Holds, audit events and the state row (state-writer.ts). */
	state: StateWriter;
	/** The SKU's waiting room (inventory/waiting-room.ts). */
	room: RoomKeeper;
	/** First decisions of coalesced attempts (domain/attempt-memo.ts). */
	attemptMemo: AttemptMemo<ReserveResult>;
	/** The reserve path's history per second (inventory/metrics.ts). */
	metrics: DecisionMetrics;
	inventory(): Inventory | null;
	/** A split SKU's room between its objects (inventory/room-shards.ts); null in one object. */
	roomLink(): RoomLink | null;
	/** An active hold from memory, else its stored row. */
	readHold(id: string): Hold | null;
	/** Lazy expiry before the decision (the object's `tick`); returns now. */
	tick(): number;
	/** After a rolled-back batch: the model in memory is rebuilt from what is durable. */
	reload(): void;
	/** An Idempotency-Key record stored by this batch ends at `endMs` (inventory/deadlines.ts). */
	prunableAt(endMs: number): void;
}

/** The SKU's state for the edge's copy (worker/edge-snapshot.ts). */
export function edgeSnapshot(inv: Inventory, room: RoomKeeper, now: number): EdgeSnapshot {
	return {
		availability: toAvailability(inv, now),
		startsAtMs: inv.product.startsAtMs,
		waitingRoom: room.info()?.enabled === true,
	};
}

/**
 * Decides a whole batch in one synchronous block and one transaction: the
 * model and SQLite never disagree. A throw rolls the transaction back and
 * rebuilds the model from storage, and every caller of the batch gets it.
 */
export function decideGroup(host: DecideHost, ops: Op[]): OpAnswer[] {
	const inv = host.inventory();
	if (inv === null) {
		return ops.map((op) =>
			op.kind === "cancel"
				? { ok: false, code: "not_found" }
				: op.kind === "join"
					? { ok: false, code: "unknown_sku" }
					: {
							results: op.attempts.map(() => ({ ok: false, code: "unknown_sku" }) as const),
							sqlRows: { ...NO_ROWS },
							snapshot: null,
						},
		);
	}
	host.rows.take(); // rows of earlier calls and of the cold path are not this batch's
	// Checkout steps staged in this task are written outside the savepoint below, which
	// could roll them back with its own writes (src/inventory/state-writer.ts stage).
	host.state.flushStaged();
	let answers: OpAnswer[];
	let firstDecisions: [string, ReserveResult][];
	let readsStored: string[];
	let work: Work;
	try {
		({ answers, firstDecisions, readsStored, work } = host.storage.transactionSync(() =>
			decideInTransaction(host, inv, ops),
		));
	} catch (error) {
		host.reload();
		throw error;
	}
	host.storedReads.added(readsStored);
	// An attempt in line shows someone is there, as a read does: a waiting ticket taken unread
	// counts as read from now (a lookup; its row rides the room's next write, never this batch's).
	// The guard's tier is its own: an attempt is not a read
	// (docs/decisions/157-an-attempt-in-line-counts-as-a-read.md).
	for (const op of ops)
		if (op.kind === "reserve") for (const a of op.attempts) host.room.read(a.sessionId);
	// Remembered only once the batch committed: a rolled-back decision is no answer to repeat.
	const now = Date.now();
	host.attemptMemo.prune(now);
	for (const [id, result] of firstDecisions) host.attemptMemo.remember(id, result, now);
	shareRows(ops, answers, host.rows.take());
	host.metrics.batch(ops, answers, Date.now(), work);
	return answers;
}

function decideInTransaction(
	host: DecideHost,
	inv: Inventory,
	ops: Op[],
): {
	answers: OpAnswer[];
	firstDecisions: [string, ReserveResult][];
	readsStored: string[];
	/** The batch's decisions and commits in the stats, for the history (a late split reset keeps them). */
	work: Work;
} {
	const now = host.tick();
	const sku = inv.product.sku;
	const room = host.room;
	// Sessions the guard forgot (the object slept) are judged by the read stored with their
	// hold or ticket, as the fairness figures count them (inventory/readers.ts).
	if (ops.some((op) => op.kind === "reserve" && op.limits !== null))
		recallReaders(host.sql, host.guard, host.storedReads, attemptSessions(ops));
	let stored: ReadonlySet<string> | null = null;
	const storedIds = (): ReadonlySet<string> => {
		stored ??= storedHoldIds(host, ops, now);
		return stored;
	};
	const { answers, decisions, keyedWrites, earliestReplayEndMs, firstDecisions } = decideOps(
		{
			sql: host.sql,
			guard: host.guard,
			readHold: (id) => host.readHold(id),
			windows: host.windows,
			gate: (sessionId, at) => {
				const link = host.roomLink();
				if (link?.gating()) return link.gate(sessionId, at);
				const queued = room.gate(sku, sessionId, at);
				if (queued === null) return null;
				return {
					ok: false,
					code: "queued",
					ticket: queued.ticket,
					retryAfterSeconds: room.retryAfterSeconds(queued.ticket),
				};
			},
			reserved: (sessionId, at) => {
				room.onReserved(sessionId, at);
				host.roomLink()?.onReserved(sessionId, at);
			},
			join: (op, at) => joinNow(room, inv, op, at),
			decidedBefore: (a, at) => decidedBefore(host, inv, a, at, storedIds),
		},
		inv,
		ops,
		now,
	);
	if (earliestReplayEndMs !== null) host.prunableAt(earliestReplayEndMs);
	host.state.counts.decisions += decisions;
	// Units taken or returned by this batch move the room before it is written.
	room.advance(inv, now);
	const changes = inv.drain();
	changes.events.push(...room.flush());
	const durable = changes.holds.length > 0 || changes.events.length > 0 || keyedWrites > 0;
	// The commit counts itself: the count is written in the transaction it counts.
	if (durable) host.state.counts.commits += 1;
	host.state.write(changes, durable);
	// A read rides with the session's hold or ticket, never in a commit of its own.
	const readsStored = durable
		? storeReaders(host.sql, host.guard, host.storedReads, writers(changes.holds, ops, answers))
		: [];
	const snapshot = edgeSnapshot(inv, room, now);
	for (const answer of answers) if ("results" in answer) answer.snapshot = snapshot;
	return { answers, firstDecisions, readsStored, work: { decisions, commits: durable ? 1 : 0 } };
}

/** The sessions of the batch's reserve attempts, but those the edge says read (they are marked). */
function* attemptSessions(ops: readonly Op[]): Generator<string> {
	for (const op of ops) {
		if (op.kind !== "reserve") continue;
		for (const a of op.attempts) if (a.priorRead !== true) yield a.sessionId;
	}
}

/** The sessions this batch writes a hold for or that hold a ticket. */
function* writers(
	holds: readonly Hold[],
	ops: readonly Op[],
	answers: OpAnswer[],
): Generator<string> {
	for (const hold of holds) yield hold.sessionId;
	for (const [i, op] of ops.entries()) {
		const answer = answers[i];
		if (op.kind === "join" && answer !== undefined && "ok" in answer && answer.ok)
			yield op.sessionId;
	}
}

/**
 * A coalesced attempt seen before: its remembered first answer, else its hold (the
 * attempt's id is the hold's id), active in memory or stored. The memory of first
 * decisions can be gone (a restart, its age or count bound), and a hold taken by a
 * repeat that overtook the leader's batch can have ended since: a first arrival looks
 * in storage too, or it would write a second hold over the first's row
 * (docs/decisions/055-replays-and-the-live-feed.md). `storedIds` reads the rows of the
 * whole batch's first arrivals at once; a repeat reads its own row.
 */
function decidedBefore(
	host: DecideHost,
	inv: Inventory,
	a: ReserveRequest,
	now: number,
	storedIds: () => ReadonlySet<string>,
): ReserveResult | null {
	const remembered = host.attemptMemo.get(a.id, now);
	if (remembered !== null) return remembered;
	const hold =
		inv.activeHold(a.id) ??
		(a.repeat === true || storedIds().has(a.id) ? host.readHold(a.id) : null);
	if (hold === null || hold.sessionId !== a.sessionId) return null;
	return { ok: true, reservation: toReservation(inv.product.sku, hold, now) };
}

/**
 * Ids of the batch's first-arrival coalesced attempts that already have a hold row: one read,
 * of the attempts the memory of first decisions does not vouch for (AttemptMemo.vouchesFor:
 * minted after every decision it may have lost — in steady traffic, all of them, so no read).
 */
function storedHoldIds(host: DecideHost, ops: readonly Op[], now: number): ReadonlySet<string> {
	const ids: string[] = [];
	for (const op of ops) {
		if (op.kind !== "reserve") continue;
		for (const a of op.attempts) {
			if (a.coalesced !== true || a.repeat === true) continue;
			if (!host.attemptMemo.vouchesFor(clockOfId(a.id), now)) ids.push(a.id);
		}
	}
	const found = new Set<string>();
	if (ids.length === 0) return found;
	for (const row of host.sql.exec<{ id: string }>(
		"SELECT id FROM holds WHERE id IN (SELECT value FROM json_each(?))",
		JSON.stringify(ids),
	)) {
		found.add(row.id);
	}
	return found;
}

function joinNow(room: RoomKeeper, inv: Inventory, op: JoinOp, now: number): JoinResult {
	const joined = room.join(inv, op.sessionId, op.ticketId, now, op.from);
	if (joined === null) return { ok: false, code: "invalid_state" };
	if (!joined.ok) {
		if (joined.code === "address_full") return joined;
		return joined.code === "purchase_limit"
			? {
					ok: false,
					code: "purchase_limit",
					perUserLimit: inv.product.perUserLimit,
					usedUnits: inv.usageOf(op.sessionId),
				}
			: { ok: false, code: joined.code };
	}
	return {
		ok: true,
		ticket: room.view(inv.product.sku, joined.ticket, now),
		created: joined.created,
	};
}
