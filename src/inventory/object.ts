// One Durable Object per SKU: the single serialisation point of its stock
// (docs/architecture.md). Decisions happen in memory on the domain model and are
// written to the object's SQLite in the same synchronous turn — writes without
// an `await` between them are one implicit transaction, and the output gate
// holds every answer until that transaction is durable (docs/architecture.md, invariant 3).

import { DurableObject } from "cloudflare:workers";
import { AttemptMemo } from "../domain/attempt-memo.ts";
import { MAX_QUANTITY, MAX_RESERVE_BATCH } from "../domain/bounds.ts";
import { MAX_SHARDS, shardName, type Transfer } from "../domain/escrow.ts";
import type { ReplayWindows } from "../domain/idempotency.ts";
import { type Hold, Inventory, type ProductConfig } from "../domain/inventory.ts";
import {
	type PaymentProvider,
	paymentProvider,
	type SimRecord,
	type SyncStore,
} from "../payment/index.ts";
import { SqlSimStore } from "../payment/sql-store.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import { REJECTION_KEY, ReserveGuard, type ReserveRefusal } from "../ratelimit/reserve-guard.ts";
import { configOf, type PaymentSettings } from "../shared/config.ts";
import type { Availability, Product } from "../shared/types.ts";
import { migrate } from "../storage/do-migrations.ts";
import { NO_ROWS, type Op, type OpAnswer, type ReserveOp } from "./batch-decisions.ts";
import { CallGate } from "./call-gate.ts";
import { CheckoutDriver } from "./checkout-driver.ts";
import { toAvailability, toProduct, toReservation } from "./codec.ts";
import { Deadlines } from "./deadlines.ts";
import { type DecideHost, decideGroup, edgeSnapshot } from "./decide-group.ts";
import type { InventoryEnv } from "./env.ts";
import { Escrow } from "./escrow.ts";
import { type EscrowHost, readEscrow } from "./escrow-shard.ts";
import { COMMIT_SPACING_MS, GROUP_WAIT_MS, GroupCommit, MAX_GROUP } from "./group-commit.ts";
import { LiveFeed } from "./live.ts";
import { ShardsLivePoll } from "./live-poll.ts";
import { DecisionMetrics, type MetricsResult } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import {
	catalogueProjection,
	eventualResetProjection,
	orderProjection,
	projectAll,
} from "./projections.ts";
import { loadState, readStoredHold } from "./records.ts";
import { sameDefinition, sameRoom } from "./retried-create.ts";
import type {
	RoomAnswer,
	RoomLinkHost,
	RoomReport,
	ShardAdmission,
	ShardRoomState,
} from "./room-shard-gate.ts";
import { answerTickets, RoomLink, roomStock } from "./room-shards.ts";
import { RowMeter } from "./rows.ts";
import {
	type CancelResult,
	type CheckoutRequest,
	type CheckoutResult,
	type CreateResult,
	type EdgeSnapshot,
	type JoinResult,
	type OrderResult,
	type ReservationResult,
	type ReserveAnswer,
	type ReserveRequest,
	type ReserveResult,
	readEdgeCounts,
	type ShardCounters,
	type StatsResult,
	type UpdateResult,
} from "./rpc.ts";
import { hasSchema, INVENTORY_MIGRATIONS } from "./schema.ts";
import { reserveSharded } from "./shard-reserve.ts";
import { SplitCoordinator, type SplitHost } from "./split-coordinator.ts";
import { type DecisionCounts, StateWriter } from "./state-writer.ts";
import { objectStats, type StatsSource, shardCounters } from "./stats.ts";
import { RoomKeeper, type RoomPatch } from "./waiting-room.ts";

/** What the object is built from besides its storage and environment (tests pass their own). */
export interface InventoryDeps {
	/** The payment provider; `simStore` keeps the simulated provider's records in this object's SQLite. */
	paymentProvider(settings: PaymentSettings, simStore: SyncStore<SimRecord>): PaymentProvider;
}

const DEFAULT_DEPS: InventoryDeps = { paymentProvider };

export class InventoryObject extends DurableObject<InventoryEnv> {
	private readonly sql: SqlStorage;
	/** Counts the SQLite rows every statement touches, for the cost ledger (reserveMetered). */
	private readonly rows = new RowMeter();
	private inv: Inventory | null = null;
	private readonly outbox: Outbox;
	private readonly live: LiveFeed;
	/** Protected: the workers tests' subclass (test/integration/worker.ts) reads its batch count. */
	protected readonly saga: CheckoutDriver;
	/** Per-session reserve limits and bot signals (ratelimit/reserve-guard.ts): memory only, exact for this SKU. */
	private readonly guard = new ReserveGuard();
	/** Reserve attempts and cancels wait here for the next group commit (group-commit.ts). */
	private readonly group = new GroupCommit<Op, OpAnswer>(
		(ops) => decideGroup(this.decideHost(), ops),
		MAX_GROUP,
		GROUP_WAIT_MS,
		COMMIT_SPACING_MS,
	);
	/** First decisions of coalesced attempts, for a second arrival of the same attempt (domain/attempt-memo.ts). */
	private readonly attemptMemo = new AttemptMemo<ReserveResult>();
	/** Attempts, rejections and decision latency per second, in memory only (inventory/metrics.ts). */
	private readonly metricsRing = new DecisionMetrics();
	/** Holds, audit events and the state row (state-writer.ts). */
	private readonly state: StateWriter;
	/** How long Idempotency-Key outcomes are answered again (domain/idempotency.ts). */
	private readonly windows: ReplayWindows;
	/** The one alarm and the deadlines it serves, idempotency pruning among them (inventory/deadlines.ts). */
	private readonly deadlines: Deadlines;
	/** Null for a SKU in one object (today's path); else its side of the escrow (inventory/escrow-shard.ts, the pool in inventory/escrow.ts). */
	private escrow: Escrow | null = null;
	/** Null unless OBJECT_CALLS_PER_SEC simulates Cloudflare's per-object limit (inventory/call-gate.ts). */
	private readonly gate: CallGate | null;
	/** A split SKU's coordinator: its whole-SKU views and operations (inventory/split-coordinator.ts). */
	private readonly split = new SplitCoordinator(this.splitHost());
	/** A split SKU's coordinator with live viewers: the shards merged for the feed (inventory/live-poll.ts). */
	private readonly livePoll = new ShardsLivePoll({
		watched: () => this.ctx.getWebSockets().length > 0 && this.escrow?.isCoordinator === true,
		lastMerged: () => this.split.lastMerged(),
		merge: () => this.split.merge(),
		changed: () => this.live.changed(),
	});
	/** The SKU's waiting room (inventory/waiting-room.ts, docs/waiting-room.md). */
	private readonly room: RoomKeeper;
	/** A split SKU: the room between the coordinator and the shards (inventory/room-shards.ts); null in one object. */
	private roomLink: RoomLink | null = null;
	/** The bot signals run with the rate limits; the fairness figures say when they did not. */
	private readonly signalsOn: boolean;

	constructor(ctx: DurableObjectState, env: InventoryEnv, deps: InventoryDeps = DEFAULT_DEPS) {
		super(ctx, env);
		// The same variables the Worker checks before it calls any object (middleware/config.ts),
		// so an invalid configuration never gets this far; if it did, no call may run on it.
		const loaded = configOf(env);
		if (!loaded.ok) throw loaded.error;
		this.sql = this.rows.wrap(ctx.storage.sql);
		this.windows = loaded.config.replayWindows;
		this.signalsOn = loaded.config.rateLimits !== null;
		const callsPerSec = loaded.config.objectCallsPerSec;
		this.gate = callsPerSec === null ? null : new CallGate(callsPerSec);
		this.room = new RoomKeeper(this.sql, (inv) =>
			roomStock(inv, this.roomLink, this.escrow?.total() ?? null),
		);
		this.outbox = new Outbox(
			this.sql,
			env.DB,
			(error, retryAtMs) => {
				console.warn("outbox flush failed, retrying from the alarm", String(error));
				this.deadlines.scheduleAlarm(retryAtMs);
			},
			projectAll(
				orderProjection(env.DB),
				catalogueProjection(env.DB),
				eventualResetProjection(env.DB),
			),
		);
		this.deadlines = new Deadlines({
			storage: ctx.storage,
			sql: this.sql,
			outbox: this.outbox,
			room: this.room,
			inventory: () => this.inv,
			tick: () => this.tick(),
			sagaWakeMs: () => this.saga.nextWakeMs(),
			retryTransfers: async () => {
				await this.escrow?.retry();
				await this.roomLink?.retry();
			},
			resumeSagas: () => this.saga.resume(),
		});
		this.state = new StateWriter(
			this.sql,
			this.outbox,
			() => this.inv,
			() => {
				this.outbox.schedule();
				// In the same transaction as the rows: an alarm survives a crash and wakes the
				// object to copy them, where the debounce timer above dies with the process.
				this.deadlines.scheduleAlarm(this.outbox.nextAttemptMs(Date.now()));
				this.deadlines.scheduleNextDeadline();
				this.live.changed();
				// A split SKU's room: admissions go to their shards, a shard's units to the coordinator.
				const admitted = this.room.takeAdmitted();
				if (admitted.length > 0) this.roomLink?.admitted(admitted);
				this.roomLink?.changed();
			},
			(inv) =>
				this.escrow === null
					? inv.product.sku
					: shardName(this.escrow.ledger.sku, this.escrow.index),
			// The room's ticket rows and audit events ride with every write (same transaction).
			() => this.room.flush(),
			// Staged checkout steps failed to write (src/inventory/state-writer.ts stage): the model
			// is ahead of storage, so the object restarts from what is durable.
			(error) => this.ctx.abort(`staged write failed: ${String(error)}`),
		);
		this.saga = new CheckoutDriver(
			this.sql,
			{
				inventory: () => this.inv,
				hold: (id) => this.readHold(id),
				persist: () => this.state.persist(),
				stage: () => this.state.stage(),
				broken: (error) => this.ctx.abort(`staged saga rows failed to write: ${String(error)}`),
				wake: (atMs) => this.deadlines.scheduleAlarm(atMs),
				now: () => this.tick(),
				atomically: (fn) => this.atomically(fn),
			},
			{
				createProvider: () =>
					deps.paymentProvider(loaded.config.payment, new SqlSimStore(this.sql)),
				windowMs: loaded.config.paymentTimeoutMs,
			},
		);
		this.live = new LiveFeed(ctx, () => this.availabilityNow());
		// The in-memory model is a cache of the durable one, rebuilt here (docs/architecture.md).
		ctx.blockConcurrencyWhile(async () => {
			this.load();
			this.deadlines.known(await ctx.storage.getAlarm());
			// Rows left by an object that ran before outbox rows set the alarm: copy them soon.
			if (this.inv !== null && this.outbox.pending() > 0) {
				this.deadlines.scheduleAlarm(this.outbox.nextAttemptMs(Date.now()));
			}
			this.deadlines.schedulePrune();
		});
	}

	// ---- RPC: operator ----

	/**
	 * Creates the product, or answers it again when it already exists with the
	 * very same definition (a retried create: the first may have been answered
	 * with an error after the object stored it). Another definition for an
	 * existing SKU is `already_exists`.
	 */
	create(
		product: ProductConfig,
		shards = 1,
		room: RoomPatch | null = null,
	): CreateResult | Promise<CreateResult> {
		if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
			throw new RangeError(`shards must be an integer 1..${MAX_SHARDS}, got ${shards}`);
		}
		if (this.inv !== null) {
			const stored = {
				...this.inv.product,
				totalStock: this.escrow?.total() ?? this.inv.product.totalStock,
			};
			if (
				!sameDefinition(stored, product) ||
				(this.escrow?.shards ?? 1) !== shards ||
				!sameRoom(this.room.info(), room)
			)
				return { ok: false, code: "already_exists" };
			if (this.escrow !== null) return this.split.created(true);
			return { ok: true, product: this.productNow(this.inv, this.tick()), replayed: true };
		}
		migrate(this.ctx.storage, INVENTORY_MIGRATIONS, "InventoryObject");
		this.room.load();
		const now = Date.now();
		this.inv = Inventory.create(product, now);
		if (room !== null) this.room.configure(room, now);
		this.sql.exec(
			"INSERT INTO state (id, snapshot, seq) VALUES (1, ?, 0)",
			JSON.stringify(this.inv.snapshot()),
		);
		// Same transaction: the pool and every shard's first grant (docs/decisions/020-escrow-shards.md).
		if (shards > 1) {
			this.escrow = Escrow.createCoordinator(this.escrowHost(), this.inv, shards, now);
			// The room's state rides with each shard's first grant (inventory/room-shards.ts).
			this.roomLink = new RoomLink(this.roomHost(), this.escrow);
			this.roomLink.publish(this.room.info());
		}
		const created = this.committed(this.inv, now);
		return this.escrow === null ? created : this.split.created(false);
	}

	update(
		patch: Partial<Omit<ProductConfig, "sku">>,
		room: RoomPatch | null = null,
	): UpdateResult | Promise<UpdateResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow?.isCoordinator) return this.split.update(patch, room);
		const now = this.tick();
		if (!inv.update(patch, now).ok) return { ok: false, code: "invalid_state" };
		if (room !== null) this.room.configure(room, now);
		return this.committed(inv, now);
	}

	reset(): UpdateResult | Promise<UpdateResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow?.isCoordinator) return this.split.reset();
		return this.resetLocal();
	}

	/** This object's own holds (a shard's, for a split SKU). */
	private resetLocal(): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = Date.now();
		inv.reset(now);
		this.saga.reset(now);
		// Paid orders survive a reset (docs/decisions/001-reset-keeps-paid-orders.md): their
		// holds stay, and so do the Idempotency-Key outcomes that created them, so a retried
		// request is still answered with the hold that was paid, never a second one.
		this.sql.exec(
			`DELETE FROM idempotency WHERE json_extract(outcome, '$.reservation.reservationId') IS NULL
			 OR json_extract(outcome, '$.reservation.reservationId') NOT IN (SELECT id FROM holds WHERE status = 'PAID')`,
		);
		this.sql.exec("DELETE FROM holds WHERE status != 'PAID'");
		this.room.reset(now);
		if (!this.escrow?.isCoordinator) this.roomLink?.clear();
		this.state.resetCounts();
		this.attemptMemo.clear();
		return this.committed(inv, now);
	}

	/** Counters computed from the hold records themselves, never from the cached counters. */
	stats(): StatsResult | Promise<StatsResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow?.isCoordinator) return this.split.stats();
		const now = this.tick();
		return objectStats(this.statsSource(), inv, now);
	}

	/** The last `seconds` of the reserve path's history (inventory/metrics.ts). */
	metrics(seconds: number): MetricsResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		return { ok: true, metrics: this.metricsRing.read(inv.product.sku, Date.now(), seconds) };
	}

	/** Copies the outbox to D1 now; true when nothing is left pending. */
	async flushEvents(): Promise<boolean> {
		if (this.inv === null) return true;
		if (this.escrow?.isCoordinator) return this.split.flushEvents();
		return this.outbox.flush();
	}

	// ---- RPC: public ----

	/** `readerSessionId`: a buyer's session read the product (a bot signal's "prior read"). */
	product(readerSessionId?: string): Product | null | Promise<Product | null> {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.guard.markRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.product();
		return this.productNow(this.inv, this.tick());
	}

	availability(readerSessionId?: string): Availability | null | Promise<Availability | null> {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.guard.markRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.merge();
		return toAvailability(this.inv, this.tick());
	}

	/** The SKU's state for the edge's copy (worker/edge-snapshot.ts); null for an unknown SKU. */
	snapshot(readerSessionId?: string): EdgeSnapshot | null | Promise<EdgeSnapshot | null> {
		const inv = this.inv;
		if (inv === null) return null;
		if (readerSessionId !== undefined) this.guard.markRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.snapshot(inv);
		return edgeSnapshot(inv, this.room, this.tick());
	}

	/**
	 * The reserve limit alone, for attempts decided elsewhere (the demo's eventual
	 * mode): null when admitted; a refusal is counted in this SKU's stats.
	 */
	admit(sessionId: string, arrivedAtMs: number, limits: ReserveLimits): ReserveRefusal | null {
		const inv = this.inv;
		if (inv === null) return null;
		const verdict = this.guard.attempt(sessionId, arrivedAtMs, Date.now(), limits);
		if (verdict.ok) return null;
		inv.reject(REJECTION_KEY[verdict.tier]);
		this.metricsRing.refusal(REJECTION_KEY[verdict.tier], Date.now());
		this.state.countersSoon();
		return verdict;
	}

	/** Refusals decided at the edge (per-IP limits, reset), merged into this SKU's stats by reason. */
	recordRejections(counts: Record<string, number>): void {
		const inv = this.inv;
		if (inv === null) return;
		const edge = readEdgeCounts(counts);
		this.metricsRing.edge(edge, Date.now());
		// Attempts the edge answered from its copy (worker/edge-snapshot.ts); latency buckets
		// feed the metrics only, not the stats.
		inv.attempts += edge.answered;
		this.state.counts.edgeAnswered += edge.answered;
		for (const [reason, n] of Object.entries(edge.rejected)) {
			inv.rejected[reason] = (inv.rejected[reason] ?? 0) + n;
		}
		this.state.countersSoon();
	}

	// ---- RPC: buyer ----

	/**
	 * The session's waiting-room ticket, taken now if it has none (one per session):
	 * joins the next group commit, like reserves, so a burst of joins shares commits.
	 */
	async joinQueue(sessionId: string, ticketId: string): Promise<JoinResult> {
		if (this.inv === null) return { ok: false, code: "unknown_sku" };
		const joined = (await this.group.submit({ kind: "join", sessionId, ticketId })) as JoinResult;
		// A split SKU: a session told it is admitted finds its shard knowing it (inventory/room-shards.ts).
		await this.roomLink?.shardKnows(sessionId, joined);
		return joined;
	}

	/** The session's ticket as it stands now; null without one (or without a room). */
	async queueTicket(sessionId: string): Promise<JoinResult | { ok: false; code: "not_found" }> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = this.tick();
		const ticket = this.room.ticket(inv.product.sku, sessionId, now);
		if (ticket === null) return { ok: false, code: "not_found" };
		const answer = { ok: true, ticket, created: false } as const;
		await this.roomLink?.shardKnows(sessionId, answer);
		return answer;
	}

	/**
	 * The batch entry point: one result per attempt, in order (docs/architecture.md).
	 * `limits` (null: RATE_LIMITS=off) come from the Worker's configuration.
	 */
	reserve(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null = null,
	): Promise<ReserveResult[]> {
		return this.reserveWithMeta(attempts, limits).then((answer) => answer.results);
	}

	/**
	 * reserve() plus what the edge needs besides the results: the SQLite rows
	 * the decision cost (for the cost ledger) and the SKU's state right after it
	 * (the edge's snapshot, worker/edge-snapshot.ts). The call joins the next
	 * group commit; its promise resolves once the batch is decided, and the
	 * output gate releases the answer once the batch is durable.
	 */
	reserveWithMeta(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null = null,
	): Promise<ReserveAnswer> {
		const turn = this.gate?.pass() ?? null;
		if (turn !== null) return turn.then(() => this.reserveNow(attempts, limits));
		return this.reserveNow(attempts, limits);
	}

	private reserveNow(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null,
	): Promise<ReserveAnswer> {
		if (attempts.length > MAX_RESERVE_BATCH) {
			throw new RangeError(`at most ${MAX_RESERVE_BATCH} attempts per batch`);
		}
		// A bad attempt is the caller's bug: refused here, alone, before it could fail a whole group.
		for (const a of attempts) {
			if (!Number.isInteger(a.quantity) || a.quantity < 1 || a.quantity > MAX_QUANTITY) {
				throw new RangeError(`quantity must be an integer 1..${MAX_QUANTITY}, got ${a.quantity}`);
			}
		}
		if (this.inv === null) {
			return Promise.resolve({
				results: attempts.map(() => ({ ok: false, code: "unknown_sku" })),
				sqlRows: { ...NO_ROWS },
				snapshot: null,
			});
		}
		if (this.escrow !== null) {
			const host = {
				roomLink: this.roomLink,
				room: this.room,
				submit: (op: ReserveOp) => this.group.submit(op) as Promise<ReserveAnswer>,
			};
			return reserveSharded(host, this.escrow, attempts, limits);
		}
		return this.group.submit({ kind: "reserve", attempts, limits }) as Promise<ReserveAnswer>;
	}

	reservation(id: string, sessionId: string): ReservationResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "not_found" };
		const now = this.tick();
		const hold = this.readHold(id);
		if (hold === null || hold.sessionId !== sessionId) return { ok: false, code: "not_found" };
		return { ok: true, reservation: toReservation(inv.product.sku, hold, now) };
	}

	/** Joins the next group commit, in arrival order with the reserve attempts around it. */
	cancel(id: string, sessionId: string): Promise<CancelResult> {
		if (this.inv === null) return Promise.resolve({ ok: false, code: "not_found" });
		return this.group.submit({ kind: "cancel", id, sessionId }) as Promise<CancelResult>;
	}

	/**
	 * The payment saga (inventory/checkout-driver.ts); resolves once the hold is PAID or
	 * released. Joins the saga's next batch: concurrent checkouts share commits.
	 */
	async checkout(req: CheckoutRequest): Promise<CheckoutResult> {
		if (this.inv === null)
			return {
				ok: false,
				code: "not_found",
				message: "No reservation of this session has that id.",
			};
		return this.saga.checkout(req);
	}

	order(orderId: string, sessionId: string): OrderResult {
		if (this.inv === null) return { ok: false, code: "not_found" };
		return this.saga.order(orderId, sessionId);
	}

	// ---- WebSocket (hibernation API) ----

	override async fetch(request: Request): Promise<Response> {
		if (this.inv === null) return new Response("unknown sku", { status: 404 });
		if (this.escrow?.isCoordinator) {
			// A split SKU's feed shows the whole SKU: merged now, then polled while anyone watches.
			await this.split.merge();
			const response = this.live.accept(request);
			this.livePoll.start();
			return response;
		}
		return this.live.accept(request);
	}

	override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
		this.live.message(ws, message);
	}

	override webSocketClose(ws: WebSocket, code: number): void {
		this.live.close(ws, code);
	}

	// ---- Alarm: expiry, checkout sagas, outbox retry, ended idempotency records ----

	override alarm(): Promise<void> {
		return this.deadlines.run();
	}

	// ---- RPC: escrow between the objects of a split SKU (inventory/escrow-shard.ts, escrow.ts) ----

	/** G2 in a shard: its first delivery creates it (no product.created: the coordinator has it). */
	escrowApplyGrants(
		product: ProductConfig,
		index: number,
		shards: number,
		transfers: Transfer[],
		room: ShardRoomState | null = null,
	): number {
		if (this.inv === null) {
			migrate(this.ctx.storage, INVENTORY_MIGRATIONS, "InventoryObject");
			this.inv = new Inventory({ product, reserved: 0, sold: 0, attempts: 0, rejected: {} });
			this.sql.exec(
				"INSERT INTO state (id, snapshot, seq) VALUES (1, ?, 0)",
				JSON.stringify(this.inv.snapshot()),
			);
			this.escrow = Escrow.createShard(this.escrowHost(), product.sku, index, shards);
			this.roomLink = new RoomLink(this.roomHost(), this.escrow);
		}
		// Before the units: a shard never sells a unit of a roomed SKU ungated.
		this.roomLink?.applyState(room);
		return this.requireEscrow().applyGrants(transfers);
	}

	/** R1 in a shard: gives back unsold units; answers every give-back not yet confirmed. */
	escrowGiveBack(ask: "half" | "all" | "none"): Transfer[] {
		this.tick();
		return this.requireEscrow().giveBack(ask);
	}

	escrowAckReturns(lastReturn: number): void {
		this.requireEscrow().ackReturns(lastReturn);
	}

	/** In the coordinator: a shard asks for more. */
	escrowRequestGrant(index: number, units: number, mayFoldBack: boolean): Promise<number> {
		return this.requireEscrow().requestGrant(index, units, mayFoldBack);
	}

	/** R2 in the coordinator. */
	escrowReceiveReturns(index: number, transfers: Transfer[]): number {
		return this.requireEscrow().receiveReturns(index, transfers);
	}

	/**
	 * A shard's counters for the coordinator's whole-SKU views (from the hold records, as stats);
	 * `withSessions` (a stats read): with its per-session summary for the fairness figures.
	 */
	escrowCounters(withSessions = false): ShardCounters | null {
		const inv = this.inv;
		const escrow = this.escrow;
		if (inv === null || escrow === null) return null;
		this.tick();
		return shardCounters(this.statsSource(), inv, escrow.index, withSessions);
	}

	/** A shard follows the coordinator's product changes (totalStock excepted: that is the escrow's). */
	escrowUpdate(patch: Partial<Omit<ProductConfig, "sku">>): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const { totalStock: _, ...rest } = patch;
		const now = this.tick();
		if (Object.keys(rest).length > 0 && !inv.update(rest, now).ok)
			return { ok: false, code: "invalid_state" };
		this.state.persist();
		return { ok: true, product: toProduct(inv, now) };
	}

	// ---- RPC: a split SKU's waiting room between its objects (inventory/room-shards.ts) ----

	/** In the coordinator: a shard asks about sessions it has no admission for (one answer each, in order). */
	roomTickets(sessionIds: string[]): RoomAnswer[] {
		const sku = this.inv?.product.sku ?? null;
		return answerTickets(this.roomLink, this.room, sku, sessionIds, this.tick());
	}

	/** In the coordinator: a shard's units and used admissions; the room moves on them at once. */
	roomReport(report: RoomReport): ShardRoomState | null {
		const link = this.roomLink;
		if (this.inv === null || link === null || !this.escrow?.isCoordinator)
			throw new Error("a room report reached an object that is not a split SKU's coordinator");
		link.takeReport(report, this.room);
		// Same turn: the counters, the uses and what the room does with them are one transaction.
		this.tick();
		this.deadlines.scheduleNextDeadline();
		return link.state();
	}

	/** In a shard: the room's state and admissions of its sessions; answers the version it knows. */
	roomSync(state: ShardRoomState, admissions: ShardAdmission[]): number {
		return this.roomLink?.applySync(state, admissions) ?? 0;
	}

	private roomHost(): RoomLinkHost {
		return {
			inventory: () => this.inv,
			peer: (index) => this.peerStub(index),
			wake: (atMs) => this.deadlines.scheduleAlarm(atMs),
			admittedUntil: (sessionId) => this.room.admittedUntil(sessionId, Date.now()),
		};
	}

	// ---- a split SKU: the hosts of its parts (escrow, room, coordinator) ----

	/** Shard `index` of this SKU (inventory/escrow.ts). */
	peerStub(index: number): DurableObjectStub<InventoryObject> {
		const sku = this.escrow?.ledger.sku ?? this.inv?.product.sku ?? "";
		const id = this.env.INVENTORY.idFromName(shardName(sku, index));
		return this.env.INVENTORY.get(id) as unknown as DurableObjectStub<InventoryObject>;
	}

	private requireEscrow(): Escrow {
		if (this.escrow === null) throw new Error("this SKU is not split across shards");
		return this.escrow;
	}

	private escrowHost(): EscrowHost {
		return {
			sql: this.sql,
			inventory: () => this.inv,
			persist: () => {
				this.state.persist();
			},
			wake: (atMs) => this.deadlines.scheduleAlarm(atMs),
			peer: (index) => this.peerStub(index),
		};
	}

	private splitHost(): SplitHost {
		return {
			inventory: () => this.inv,
			escrow: () => this.requireEscrow(),
			roomLink: () => this.roomLink,
			room: () => this.room,
			stats: () => this.statsSource(),
			peer: (index) => this.peerStub(index),
			tick: () => this.tick(),
			ownCounters: (withSessions) => this.escrowCounters(withSessions),
			ownUpdate: (patch) => this.escrowUpdate(patch),
			ownReset: () => this.resetLocal(),
			ownFlush: () => this.outbox.flush(),
		};
	}

	/** The group commit's view of this object (inventory/decide-group.ts). */
	private decideHost(): DecideHost {
		return {
			storage: this.ctx.storage,
			sql: this.sql,
			rows: this.rows,
			guard: this.guard,
			windows: this.windows,
			state: this.state,
			room: this.room,
			attemptMemo: this.attemptMemo,
			metrics: this.metricsRing,
			inventory: () => this.inv,
			roomLink: () => this.roomLink,
			readHold: (id) => this.readHold(id),
			tick: () => this.tick(),
			reload: () => this.reload(),
			prunableAt: (endMs) => this.deadlines.prunableAt(endMs),
		};
	}

	private statsSource(): StatsSource {
		return {
			sql: this.sql,
			guard: this.guard,
			room: this.room,
			signalsOn: this.signalsOn,
			counts: this.state.counts,
		};
	}

	// ---- internals ----

	/** Lazy expiry before every decision and read: a late alarm never shows a stale hold. */
	private tick(): number {
		const now = Date.now();
		if (this.inv === null) return now;
		const expired = this.inv.expireDue(now) > 0;
		// Units that came back let the next ticket in; lapsed admissions too (docs/waiting-room.md).
		const moved = this.room.advance(this.inv, now);
		if (expired || moved) this.state.persist();
		return now;
	}

	private readHold(id: string): Hold | null {
		const active = this.inv?.activeHold(id);
		if (active !== undefined) return active;
		return readStoredHold(this.sql, id);
	}

	/** A change made in this turn: the room follows the stock, it is written, the alarm planned. */
	private committed(inv: Inventory, now: number): { ok: true; product: Product } {
		this.room.advance(inv, now);
		this.state.persist();
		this.deadlines.scheduleNextDeadline();
		return { ok: true, product: this.productNow(inv, now) };
	}

	private productNow(inv: Inventory, now: number): ReturnType<typeof toProduct> {
		return { ...toProduct(inv, now), waitingRoom: this.room.info() };
	}

	private availabilityNow() {
		if (this.escrow?.isCoordinator) return this.split.lastMerged();
		return this.inv === null ? null : toAvailability(this.inv, Date.now());
	}

	private load(): void {
		if (!hasSchema(this.sql)) return;
		// Brings a database written by earlier code up to date (schema.ts); refuses a newer one.
		migrate(this.ctx.storage, INVENTORY_MIGRATIONS, "InventoryObject");
		this.room.load();
		const state = loadState(this.sql);
		this.deadlines.loaded();
		this.inv = new Inventory(state.snapshot, state.active, state.usage);
		this.state.loaded(state.seq, state.snapshot as Partial<DecisionCounts>);
		this.saga.load();
		const ledger = readEscrow(this.sql);
		this.escrow = ledger === null ? null : new Escrow(this.escrowHost(), ledger);
		this.roomLink = this.escrow === null ? null : new RoomLink(this.roomHost(), this.escrow);
		// A transfer the other side has not confirmed is re-sent from the alarm.
		if (this.escrow?.hasPending() || this.roomLink?.hasPending())
			this.deadlines.scheduleAlarm(Date.now());
	}

	/**
	 * `fn` in a savepoint of the open transaction: a throw rolls its writes back and
	 * the model is rebuilt from storage, like a rolled-back batch (decideGroup).
	 */
	private atomically<T>(fn: () => T): T {
		try {
			return this.ctx.storage.transactionSync(fn);
		} catch (error) {
			// What earlier steps staged is theirs (they succeeded): written before the rebuild.
			this.state.flushStaged();
			this.reload();
			throw error;
		}
	}

	/** After a rolled-back batch: the model in memory is rebuilt from what is durable. */
	private reload(): void {
		this.inv = null;
		this.load();
	}
}
