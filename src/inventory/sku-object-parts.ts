// What a SKU object (object.ts) is made of: its storage, the parts that keep its state (the
// model, the outbox, the state writer, the group commit, the saga driver, the room, the escrow
// of a split SKU), wired once per instance; the hosts through which those parts reach the object
// and each other (a split SKU's escrow and room link, the group commit's and the stats':
// sku-object-peers.ts); and the internals every call uses (lazy expiry, loading, savepoints).
// The RPC surface is built on it: sku-object-peers.ts (between the objects of a split SKU) and
// object.ts (the Worker's calls). Everything here is protected: those two classes are its only users.

import { DurableObject } from "cloudflare:workers";
import { AttemptMemo } from "../domain/attempt-memo.ts";
import { shardName, shardOf } from "../domain/escrow.ts";
import { endedHoldKeptMs } from "../domain/hold-retention.ts";
import type { ReplayWindows } from "../domain/idempotency.ts";
import type { Hold, Inventory, ProductConfig } from "../domain/inventory.ts";
import { roomLimits } from "../domain/waiting-room.ts";
import { SqlSimStore } from "../payment/sql-store.ts";
import { MAX_TRACKED_SESSIONS, ReserveGuard } from "../ratelimit/reserve-guard.ts";
import { configOf } from "../shared/config.ts";
import type { Product } from "../shared/types.ts";
import { migrate } from "../storage/do-migrations.ts";
import type { Op, OpAnswer } from "./batch-decisions.ts";
import { CallGate } from "./call-gate.ts";
import { CheckoutDriver } from "./checkout-driver.ts";
import { toAvailability, toProduct } from "./codec.ts";
import { Deadlines } from "./deadlines.ts";
import { type DecideHost, decideGroup } from "./decide-group.ts";
import type { InventoryEnv } from "./env.ts";
import { Escrow } from "./escrow.ts";
import { type EscrowHost, readEscrow } from "./escrow-shard.ts";
import { GuardSpan } from "./fairness.ts";
import { COMMIT_SPACING_MS, GROUP_WAIT_MS, GroupCommit, MAX_GROUP } from "./group-commit.ts";
import type { LiveCount, LiveFeed } from "./live.ts";
import { objectLiveFeed } from "./live-object-feed.ts";
import { ShardsLivePoll } from "./live-poll.ts";
import { DecisionMetrics } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import {
	catalogueProjection,
	eventualResetProjection,
	orderProjection,
	projectAll,
} from "./projections.ts";
import { forgetReadersOf, StoredReads } from "./readers.ts";
import { inventoryFrom, loadState, readStoredHold } from "./records.ts";
import type { RoomLinkHost } from "./room-shard-gate.ts";
import type { ShardRoomState } from "./room-shard-protocol.ts";
import { RoomLink, roomStock } from "./room-shards.ts";
import { RowMeter } from "./rows.ts";
import type { ReserveResult, ShardCounters, UpdateResult } from "./rpc.ts";
import { hasSchema, INVENTORY_MIGRATIONS } from "./schema.ts";
import { DEFAULT_DEPS, type InventoryDeps } from "./sku-object-deps.ts";
import { type ShardPeer, SplitCoordinator, type SplitHost } from "./split-coordinator.ts";
import { type DecisionCounts, StateWriter } from "./state-writer.ts";
import type { StatsSource } from "./stats.ts";
import { RoomKeeper } from "./waiting-room.ts";

export abstract class SkuObjectParts extends DurableObject<InventoryEnv> {
	protected readonly sql: SqlStorage;
	/** Counts the SQLite rows every statement touches, for the cost ledger (reserveMetered). */
	protected readonly rows = new RowMeter();
	protected inv: Inventory | null = null;
	protected readonly outbox: Outbox;
	protected readonly live: LiveFeed;
	/** Protected: the workers tests' subclass (test/integration/worker.ts) reads its batch count. */
	protected readonly saga: CheckoutDriver;
	/** Per-session reserve limits and bot signals (ratelimit/reserve-guard.ts): memory only, exact for this SKU. */
	protected readonly guard = new ReserveGuard(MAX_TRACKED_SESSIONS, Date.now());
	/** What the guard's memory covers, for the fairness figures (inventory/fairness.ts). */
	protected readonly guardSpan = new GuardSpan(this.guard);
	/** The stored reads in memory, for the fairness figures (inventory/readers.ts). */
	protected readonly storedReads: StoredReads;
	/** Reserve attempts and cancels wait here for the next group commit (group-commit.ts). */
	protected readonly group = new GroupCommit<Op, OpAnswer>(
		(ops) => decideGroup(this.decideHost(), ops),
		MAX_GROUP,
		GROUP_WAIT_MS,
		COMMIT_SPACING_MS,
	);
	/** First decisions of coalesced attempts, for a second arrival of the same attempt (domain/attempt-memo.ts). */
	protected readonly attemptMemo = new AttemptMemo<ReserveResult>(Date.now());
	/** Attempts, rejections and decision latency per second, in memory only (inventory/metrics.ts). */
	protected readonly metricsRing = new DecisionMetrics();
	/** Holds, audit events and the state row (state-writer.ts). */
	protected readonly state: StateWriter;
	/** How long Idempotency-Key outcomes are answered again (domain/idempotency.ts). */
	protected readonly windows: ReplayWindows;
	/** The one alarm and the deadlines it serves, idempotency pruning among them (inventory/deadlines.ts). */
	protected readonly deadlines: Deadlines;
	/** Null for a SKU in one object (today's path); else its side of the escrow (inventory/escrow-shard.ts, the pool in inventory/escrow.ts). */
	protected escrow: Escrow | null = null;
	/** Null unless OBJECT_CALLS_PER_SEC simulates Cloudflare's per-object limit (inventory/call-gate.ts). */
	protected readonly gate: CallGate | null;
	/** A split SKU's coordinator: its whole-SKU views and operations (inventory/split-coordinator.ts). */
	protected readonly split = new SplitCoordinator(this.splitHost());
	/** A split SKU's coordinator with live viewers: the shards merged for the feed (inventory/live-poll.ts). */
	protected readonly livePoll = new ShardsLivePoll({
		watchers: () => (this.escrow?.isCoordinator === true ? this.live.watchers() : "none"),
		lastMerged: () => this.split.lastMerged(),
		merge: () => this.split.merge(),
		changed: () => this.live.changed(),
		wakeBy: (atMs) => this.deadlines.scheduleAlarm(atMs),
	});
	/** The SKU's waiting room (inventory/waiting-room.ts, docs/waiting-room.md). */
	protected readonly room: RoomKeeper;
	/** A split SKU: the room between the coordinator and the shards (inventory/room-shards.ts); null in one object. */
	protected roomLink: RoomLink | null = null;
	/** The bot signals run with the rate limits; the fairness figures say when they did not. */
	protected readonly signalsOn: boolean;

	constructor(ctx: DurableObjectState, env: InventoryEnv, deps: InventoryDeps = DEFAULT_DEPS) {
		super(ctx, env);
		// The same variables the Worker checks before it calls any object (middleware/config.ts),
		// so an invalid configuration never gets this far; if it did, no call may run on it.
		const loaded = configOf(env);
		if (!loaded.ok) throw loaded.error;
		this.sql = this.rows.wrap(ctx.storage.sql);
		this.storedReads = new StoredReads(this.sql);
		this.windows = loaded.config.replayWindows;
		this.signalsOn = loaded.config.rateLimits !== null;
		const callsPerSec = loaded.config.objectCallsPerSec;
		this.gate = callsPerSec === null ? null : new CallGate(callsPerSec);
		this.room = new RoomKeeper(
			this.sql,
			(inv) => roomStock(inv, this.roomLink, this.escrow?.total() ?? null),
			roomLimits(loaded.config.sessionTtlSeconds),
			// A split SKU's coordinator: a session on another shard may have used its admission
			// unreported; its shard's hold records decide (inventory/room-shards.ts confirmLapses).
			(sessionId) =>
				this.roomLink !== null &&
				this.escrow?.isCoordinator === true &&
				shardOf(sessionId, this.escrow.shards) !== 0,
			() => this.escrow === null,
			(sessionIds) => this.readsLeft(sessionIds),
			// A ticket's read (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md):
			// the guard's memory, else the read stored with the session's hold or ticket.
			(sessionId) => this.guard.hasRead(sessionId) || this.storedReads.all().has(sessionId),
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
			endedHoldKeptMs: endedHoldKeptMs(this.windows),
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
			holdsPruned: (sessionIds) => this.readsLeft(sessionIds),
			liveWakeMs: () => this.livePoll.wakeMs(Date.now()),
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
			// Ended holds are deleted by the alarm once nothing may ask for them (inventory/ended-holds.ts).
			(expiresAtMs) => this.deadlines.holdsEnded(expiresAtMs),
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
		this.live = objectLiveFeed(
			ctx,
			loaded.config,
			() => this.availabilityNow(),
			(what) => this.liveCounted(what),
		);
		// The in-memory model is a cache of the durable one, rebuilt here (docs/architecture.md).
		ctx.blockConcurrencyWhile(async () => {
			this.load();
			this.deadlines.known(await ctx.storage.getAlarm());
			// Rows left by an object that ran before outbox rows set the alarm: copy them soon.
			if (this.inv !== null && this.outbox.pending() > 0) {
				this.deadlines.scheduleAlarm(this.outbox.nextAttemptMs(Date.now()));
			}
			this.deadlines.schedulePrune();
			// Loaded with viewers' sockets open (an eviction, a restart): their merges resume.
			if (this.escrow?.isCoordinator && ctx.getWebSockets().length > 0) this.livePoll.start();
		});
	}

	// ---- what the split SKU's coordinator asks of its own side (sku-object-peers.ts, object.ts) ----

	abstract escrowCounters(withSessions?: boolean): ShardCounters | null;
	abstract escrowUpdate(patch: Partial<Omit<ProductConfig, "sku">>): UpdateResult;
	/** This object's own holds (a shard's, for a split SKU); `idempotencyKey` rides on its event. */
	protected abstract resetLocal(
		idempotencyKey?: string | null,
		generation?: number,
		keepAfterMs?: number | null,
		room?: ShardRoomState | null,
	): UpdateResult;

	// ---- a split SKU: the hosts of its parts (escrow, room, coordinator) ----

	// The escrow's and the room link's hosts, and a shard's stub, are in sku-object-peers.ts; the
	// coordinator's host stays here, as the coordinator is built with the object (`split`).
	protected abstract roomHost(): RoomLinkHost;
	protected abstract escrowHost(): EscrowHost;
	/** Shard `index` of this SKU (inventory/escrow.ts). */
	protected abstract peerStub(index: number): ShardPeer;
	protected abstract requireEscrow(): Escrow;

	protected splitHost(): SplitHost {
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

	/** The group commit's view of this object (inventory/decide-group.ts); built in sku-object-peers.ts. */
	protected abstract decideHost(): DecideHost;
	/** What the stats are read from (inventory/stats.ts); built in sku-object-peers.ts. */
	protected abstract statsSource(): StatsSource;

	// ---- internals ----

	/** A refusal at a per-address cap: the stats' durable count and the metrics' second (decision 141). */
	protected addressRefused(cap: "liveFeed" | "roomJoin"): void {
		this.state.addressRefused(cap);
		this.metricsRing.addressRefused(cap, Date.now());
	}

	/** The live feed's closes and refusals: the stats' durable counts and the metrics' second (156, 170). */
	private liveCounted(what: LiveCount): void {
		if (what === "refusedAddress") this.addressRefused("liveFeed");
		else {
			this.state.liveCounted(what);
			this.metricsRing.liveCounted(what, Date.now());
		}
	}

	/** Lazy expiry before every decision and read: a late alarm never shows a stale hold. */
	protected tick(): number {
		const now = Date.now();
		if (this.inv === null) return now;
		const expired = this.inv.expireDue(now) > 0;
		// Units that came back let the next ticket in; lapsed admissions too (docs/waiting-room.md).
		const moved = this.room.advance(this.inv, now);
		if (expired || moved) this.state.persist();
		return now;
	}

	/**
	 * Sessions whose ended holds or tickets just went: the stored read of those with nothing
	 * left here (no unit held or bought, no ticket) goes with them (inventory/readers.ts).
	 */
	private readsLeft(sessionIds: ReadonlySet<string>): void {
		forgetReadersOf(
			this.sql,
			this.storedReads,
			sessionIds,
			(id) => (this.inv?.usageOf(id) ?? 0) > 0 || this.room.room?.ticketOf(id) !== undefined,
		);
	}

	protected readHold(id: string): Hold | null {
		const active = this.inv?.activeHold(id);
		if (active !== undefined) return active;
		return readStoredHold(this.sql, id);
	}

	/** A change made in this turn: the room follows the stock, it is written, the alarm planned. */
	protected committed(inv: Inventory, now: number): { ok: true; product: Product } {
		this.room.advance(inv, now);
		this.state.persist();
		this.deadlines.scheduleNextDeadline();
		return { ok: true, product: this.productNow(inv, now) };
	}

	protected productNow(inv: Inventory, now: number): ReturnType<typeof toProduct> {
		return { ...toProduct(inv, now), waitingRoom: this.room.info() };
	}

	/** The live feed's state: expired lazily like every other read, so a late alarm shows no stale hold. */
	protected availabilityNow() {
		if (this.escrow?.isCoordinator) return this.split.lastMerged();
		if (this.inv === null) return null;
		const now = this.tick();
		return toAvailability(this.inv, now);
	}

	protected load(): void {
		if (!hasSchema(this.sql)) {
			this.guardSpan.loaded(0);
			return;
		}
		// Brings a database written by earlier code up to date (schema.ts); refuses a newer one.
		migrate(this.ctx.storage, INVENTORY_MIGRATIONS, "InventoryObject");
		this.storedReads.dropped();
		this.room.load();
		const state = loadState(this.sql, Date.now());
		this.deadlines.loaded();
		this.inv = inventoryFrom(state);
		this.state.loaded(state.seq, state.snapshot as Partial<DecisionCounts>);
		this.guardSpan.loaded(this.state.counts.decisions);
		this.saga.load();
		const ledger = readEscrow(this.sql);
		// A reload keeps the escrow it had, its ledger read again: a cut or grant in flight holds
		// it and its move gate (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md).
		if (ledger !== null && this.escrow !== null) this.escrow.reloaded(ledger);
		else this.escrow = ledger === null ? null : new Escrow(this.escrowHost(), ledger);
		this.roomLink = this.escrow === null ? null : new RoomLink(this.roomHost(), this.escrow);
		// A transfer the other side has not confirmed is re-sent from the alarm.
		if (this.escrow?.hasPending() || this.roomLink?.hasPending())
			this.deadlines.scheduleAlarm(Date.now());
	}

	/**
	 * `fn` in a savepoint of the open transaction: a throw rolls its writes back and
	 * the model is rebuilt from storage, like a rolled-back batch (decideGroup).
	 */
	protected atomically<T>(fn: () => T): T {
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
	protected reload(): void {
		this.inv = null;
		this.load();
	}
}
