// The RPC between the objects of a split SKU (docs/decisions/020-escrow-shards.md): the escrow's
// grants and give-backs (inventory/escrow-shard.ts, escrow.ts) and the waiting room's reports and
// syncs (inventory/room-shards.ts). The Worker never calls these; the coordinator and its shards do.
// Also the host of the operator's keyed reset (inventory/reset-keys.ts), whose split part is a
// fan-out to these objects, and the hosts through which the escrow and the room link reach the
// object and the other objects of the SKU, and those of the group commit and the stats.

import { shardName, type Transfer } from "../domain/escrow.ts";
import { Inventory, type ProductConfig } from "../domain/inventory.ts";
import type { PendingLapse } from "../domain/waiting-room.ts";
import { migrate } from "../storage/do-migrations.ts";
import { toProduct } from "./codec.ts";
import type { DecideHost } from "./decide-group.ts";
import { Escrow } from "./escrow.ts";
import type { EscrowHost } from "./escrow-shard.ts";
import type { HistoryPart } from "./metrics.ts";
import { readersAmong } from "./readers.ts";
import { firstHeldWithin, heldPage } from "./records.ts";
import { type KeyedReset, type KeyedResetHost, shardKeyedReset } from "./reset-keys.ts";
import type { RoomLinkHost } from "./room-shard-gate.ts";
import {
	MAX_HELD_PER_REPORT,
	type RoomAnswer,
	type RoomReport,
	type ShardAdmission,
	type ShardRoomState,
} from "./room-shard-protocol.ts";
import { answerTickets, RoomLink } from "./room-shards.ts";
import type { ShardCounters, UpdateResult } from "./rpc.ts";
import { INVENTORY_MIGRATIONS } from "./schema.ts";
import { resetDue } from "./shard-resets.ts";
import { applySettings } from "./shard-settings.ts";
import type { ShardSettings } from "./shard-settings-protocol.ts";
import { SkuObjectParts } from "./sku-object-parts.ts";
import type { ShardPeer } from "./split-coordinator.ts";
import { type StatsSource, shardCounters } from "./stats.ts";

export abstract class SkuObjectPeers extends SkuObjectParts {
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
	escrowRequestGrant(
		index: number,
		units: number,
		mayFoldBack: boolean,
		needed?: number,
	): Promise<number> {
		return this.requireEscrow().requestGrant(index, units, mayFoldBack, needed);
	}

	/** In the coordinator: units available outside shard `index`, for its attempts the purchase limit refuses. */
	escrowStockElsewhere(index: number, units: number): Promise<number> {
		return this.requireEscrow().stockElsewhereOf(index, units);
	}

	/** In a shard: its units nobody holds (a read; due expiries first). */
	escrowAvailable(): number {
		this.tick();
		return this.requireEscrow().available();
	}

	/** In a shard: a cut of totalStock counts its unsold, unclaimed units and keeps them for it (due expiries first). */
	escrowPledgeForCut(): number {
		this.tick();
		return this.requireEscrow().pledgeForCut();
	}

	/** In a shard: the cut was refused. */
	escrowReleasePledge(): void {
		this.requireEscrow().releasePledge();
	}

	/**
	 * In a shard: the SKU's total was raised, so the coordinator's "nothing left" no longer holds
	 * (escrow-shard.ts forgetSoldOut; docs/decisions/189-review-37s-findings.md §2). An object
	 * without the SKU has no memo to forget.
	 */
	escrowForgetSoldOut(): void {
		this.escrow?.forgetSoldOut();
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

	/**
	 * This shard's decided seconds for the coordinator's whole-SKU metrics (split-coordinator.ts
	 * metrics): the span of `seconds` ending at the coordinator's `nowMs`, without the edge's
	 * tallies and the per-address refusals, which only the coordinator counts. Null for an
	 * unknown SKU or one in one object.
	 */
	shardMetrics(nowMs: number, seconds: number): HistoryPart | null {
		if (this.inv === null || this.escrow === null) return null;
		return this.metricsRing.part(nowMs, seconds, true);
	}

	/**
	 * The coordinator's own product change (split-coordinator.ts update; totalStock excepted: that
	 * is the escrow's). The operator's change is recorded once, by the coordinator (shard 0), as
	 * the patch itself: its `totalStock` is the SKU's new total, so the merged trail reads as a
	 * one-object SKU's. The other shards follow with `escrowSettings`.
	 */
	escrowUpdate(patch: Partial<Omit<ProductConfig, "sku">>): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const { totalStock: _, ...rest } = patch;
		const now = this.tick();
		const recorded = this.escrow?.isCoordinator === true ? { ...patch } : null;
		if (!inv.update(rest, now, recorded).ok) return { ok: false, code: "invalid_state" };
		this.state.persist(true);
		return { ok: true, product: toProduct(inv, now) };
	}

	/**
	 * In a shard: the coordinator's settings at `version` (inventory/shard-settings.ts), unless it
	 * has them or newer. It records no event (the coordinator recorded the operator's change); the
	 * settings and their version are written in one turn, before the answer: the version this
	 * shard now has. An object without the SKU yet answers 0 (its first grant brings the product).
	 */
	escrowSettings(settings: ShardSettings, version: number): number {
		const inv = this.inv;
		const escrow = this.escrow;
		if (inv === null || escrow === null) return 0;
		if (escrow.isCoordinator)
			throw new Error("the coordinator sends the settings, never takes them");
		const applied = applySettings(escrow.ledger, inv, settings, version, this.tick());
		if (applied.changed) {
			this.state.persist(true);
			escrow.save();
		}
		return applied.version;
	}

	/**
	 * In a shard: its part of the coordinator's reset `generation` (inventory/shard-resets.ts),
	 * unless it has done it (or a later one); under the operator's key when the reset has one.
	 * The reset and the generation are one transaction. Answers the generation this shard has
	 * done; an object without the SKU yet has nothing to reset, and answers `generation`.
	 */
	escrowReset(
		keyed: KeyedReset | null,
		generation: number,
		atMs: number | null = null,
		room: ShardRoomState | null = null,
	): number {
		const escrow = this.escrow;
		if (this.inv === null || escrow === null) return generation;
		if (escrow.isCoordinator) throw new Error("the coordinator asks for a reset, never takes one");
		if (!resetDue(escrow.ledger, generation)) return escrow.ledger.reset?.generation ?? 0;
		// The generation is due: this reset was not done here, whatever row the key has (a key
		// reused after the coordinator forgot it is a new reset; reset-keys.ts shardKeyedReset).
		// resetLocal stores the generation with the reset.
		if (keyed === null) this.resetLocal(null, generation, atMs, room);
		else shardKeyedReset(this.sql, keyed, (key) => this.resetLocal(key, generation, atMs, room));
		return generation;
	}

	/** The operator's keyed reset's view of this object; a split SKU's coordinator resets its shards too. */
	protected resetKeysHost(): KeyedResetHost {
		return {
			sql: this.sql,
			isCoordinator: () => this.escrow?.isCoordinator === true,
			resetLocal: (key) => this.resetLocal(key),
			finishShards: (keyed) => this.split.resetShards(keyed),
			// As an unkeyed reset is announced (sku-object-operator.ts reset); a split SKU's shards have no feed.
			announce: (product) => {
				if (this.escrow === null || this.escrow.isCoordinator) this.live.productChanged(product);
			},
		};
	}

	// ---- RPC: a split SKU's waiting room between its objects (inventory/room-shards.ts) ----

	/** In the coordinator: a shard asks about sessions it has no admission for (one answer each, in order). */
	roomTickets(sessionIds: string[]): RoomAnswer[] {
		const sku = this.inv?.product.sku ?? null;
		const now = this.tick();
		const reads = readersAmong(this.sql, this.guard, sessionIds);
		// Each is asked about for a reserve attempt: in line, it counts for its ticket as a read
		// does, as in one object (inventory/decide-group.ts), with no call of its own
		// (docs/decisions/157-an-attempt-in-line-counts-as-a-read.md).
		for (const sessionId of sessionIds) this.room.read(sessionId);
		return answerTickets(this.roomLink, this.room, sku, sessionIds, now, reads);
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

	/**
	 * In a shard: for each ended admission the coordinator has no use for, the session's first hold
	 * here within it, from the hold records (they survive a restart that lost the report).
	 */
	roomHeld(admissions: PendingLapse[]): (number | null)[] {
		if (admissions.length > MAX_HELD_PER_REPORT)
			throw new RangeError(`at most ${MAX_HELD_PER_REPORT} admissions a call`);
		// An object without the SKU's state has no holds: nobody held anything here.
		if (this.inv === null) return admissions.map(() => null);
		return admissions.map((a) =>
			firstHeldWithin(this.sql, a.sessionId, a.admittedAtMs, a.admittedUntilMs),
		);
	}

	/** In a shard: the room's state and admissions of its sessions; answers the version it knows. */
	roomSync(state: ShardRoomState, admissions: ShardAdmission[]): number {
		return this.roomLink?.applySync(state, admissions) ?? 0;
	}

	// ---- the hosts of the group commit and the stats (sku-object-parts.ts declares them) ----

	/** The group commit's view of this object (inventory/decide-group.ts). */
	protected decideHost(): DecideHost {
		return {
			storage: this.ctx.storage,
			sql: this.sql,
			rows: this.rows,
			guard: this.guard,
			storedReads: this.storedReads,
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

	/** What the stats are read from (inventory/stats.ts). */
	protected statsSource(): StatsSource {
		return {
			sql: this.sql,
			guard: this.guard,
			reads: this.storedReads,
			room: this.room,
			signalsOn: this.signalsOn,
			counts: this.state.counts,
			livePlaces: () => this.live.places(),
			coverage: () => this.guardSpan.coverage(),
		};
	}

	// ---- a split SKU: the hosts of its escrow and room link (sku-object-parts.ts builds them) ----

	protected roomHost(): RoomLinkHost {
		return {
			inventory: () => this.inv,
			peer: (index) => this.peerStub(index),
			wake: (atMs) => this.deadlines.scheduleAlarm(atMs),
			admittedUntil: (sessionId) => this.room.admittedUntil(sessionId, Date.now()),
			heldPage: (cursor, limit) => heldPage(this.sql, cursor, limit),
			pendingLapses: () => this.room.pendingLapses(),
			settleLapses: (answers) => {
				const now = Date.now();
				for (const [sessionId, heldAtMs] of answers)
					this.room.settleLapse(sessionId, heldAtMs, now);
				// The room's changes (used, or `queue.lapsed`) are written with the turn's tick.
				this.tick();
			},
			readersAmong: (sessionIds) => readersAmong(this.sql, this.guard, sessionIds),
			markRead: (sessionId) => this.guard.markRead(sessionId),
		};
	}

	/** Shard `index` of this SKU (inventory/escrow.ts). */
	protected peerStub(index: number): ShardPeer {
		const sku = this.escrow?.ledger.sku ?? this.inv?.product.sku ?? "";
		const id = this.env.INVENTORY.idFromName(shardName(sku, index));
		// The calls its parts make of another object of the SKU (sku-object-peers.ts, object.ts).
		return this.env.INVENTORY.get(id) as unknown as ShardPeer;
	}

	protected requireEscrow(): Escrow {
		if (this.escrow === null) throw new Error("this SKU is not split across shards");
		return this.escrow;
	}

	protected escrowHost(): EscrowHost {
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
}
