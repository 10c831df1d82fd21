// The waiting room of a SKU split across shards (docs/waiting-room.md, "Where the
// queue lives"; docs/decisions/031-room-on-shards.md). One queue per SKU, in the
// coordinator (shard 0, the object named `<sku>`): tickets, the shuffle, FIFO and
// admission by the SKU's whole stock stay there. The other shards only gate:
//
// - Coordinator → shard: each admission is pushed to the session's shard right
//   after the transaction that made it (`roomSync`), and the coordinator tells a
//   session it is admitted only once its shard confirmed, so an admitted
//   session's reserve costs no coordinator call. The room's state (enabled, the
//   drop's seed commitment, a version) is published to every shard and re-sent
//   from the alarm until each confirmed it, like an escrow grant.
// - Shard, on an attempt from a session it has no admission for: it asks the
//   coordinator, the authority (`roomTickets`, one call for all such sessions of
//   a reserve call), and repeats a refusal's ticket for QUEUED_MEMO_MS without
//   asking again. A lost push therefore costs one call, never a wrong refusal
//   after the memo.
// - Shard → coordinator: its units held and sold, and the admitted sessions that
//   took their first hold (`roomReport`), one report in flight at a time, at most
//   every reportGapMs(K) (at once for a used admission near its end), so the
//   coordinator admits the next ticket when units come back and turns every
//   waiting ticket sold_out when nothing is left anywhere.
//
// A SKU in one object has no escrow row and never reaches this file.

import { shardOf } from "../domain/escrow.ts";
import type { Inventory } from "../domain/inventory.ts";
import type { StockView } from "../domain/waiting-room.ts";
import type { RoomShardCalls, Ticket } from "../shared/types.ts";
import type { ReserveResult } from "./rpc.ts";
import { QUEUED_RETRY_DEFAULT_SECONDS } from "./waiting-room.ts";

/**
 * How long a shard repeats a refusal's ticket without asking the coordinator
 * again: at most the shortest Retry-After of a 429 `queued`, so a buyer who
 * waits as told always gets a fresh answer, and a script that does not costs
 * the coordinator at most one call a second per session.
 */
export const QUEUED_MEMO_MS = 1000;
/**
 * A shard's report reaches the coordinator at most this often (the edge's own
 * freshness bound, worker/edge-snapshot.ts) — or less often with many shards, see
 * reportGapMs.
 */
export const ROOM_REPORT_GAP_MS = 100;
/**
 * Reports a second the coordinator takes from all its shards together, at most:
 * a fifth of the per-object budget docs/capacity.md plans with (500 calls/s), so
 * the room never crowds out the coordinator's own reserves, whatever K and the
 * reserve rate.
 */
export const ROOM_REPORTS_PER_SEC = 100;

/** The gap between two reports of one shard: 100 ms up to K = 11, then (K − 1) × 10 ms. */
export function reportGapMs(shards: number): number {
	return Math.max(ROOM_REPORT_GAP_MS, Math.ceil((1000 * (shards - 1)) / ROOM_REPORTS_PER_SEC));
}
/** Sessions a map of this file remembers before it sweeps out the ended ones. */
export const MAX_REMEMBERED = 10_000;
/** How soon a failed report or an unconfirmed room state is sent again. */
export const ROOM_RETRY_MS = 1000;

/** The room as the shards must know it; `version` grows with every change the coordinator publishes. */
export interface ShardRoomState {
	enabled: boolean;
	/** The drop's seed commitment: admissions of an earlier drop (before a reset) are ignored. */
	commitment: string;
	version: number;
}

export interface ShardAdmission {
	sessionId: string;
	admittedUntilMs: number;
}

/** The coordinator's answer about one session (`roomTickets`). */
export interface RoomAnswer {
	room: ShardRoomState | null;
	ticket: Ticket | null;
	/** Set while the session's admission lasts: it may reserve until then. */
	admittedUntilMs: number | null;
	retryAfterSeconds: number;
}

/** What a shard tells the coordinator (`roomReport`). */
export interface RoomReport {
	index: number;
	reserved: number;
	sold: number;
	/** Admitted sessions that took a hold, with when. */
	uses: [sessionId: string, atMs: number][];
}

/** What the escrow row keeps for the room (JSON, no schema change). */
export interface RoomLedger {
	/** A shard: the room as it last heard; the coordinator: what it publishes. */
	state: ShardRoomState | null;
	/** Coordinator: per shard, the version it confirmed. */
	acked?: number[];
	/** Coordinator: per shard, units held and sold as last reported (shard 0's are live). */
	units?: { reserved: number; sold: number }[];
}

/** The calls between a split SKU's objects for the room (RPC methods of InventoryObject). */
export interface RoomPeer {
	/** One answer per session, in order. */
	roomTickets(sessionIds: string[]): Promise<RoomAnswer[]>;
	roomReport(report: RoomReport): Promise<ShardRoomState | null>;
	roomSync(state: ShardRoomState, admissions: ShardAdmission[]): Promise<number>;
}

export interface RoomLinkHost {
	inventory(): Inventory | null;
	peer(index: number): RoomPeer;
	wake(atMs: number): void;
	/** Coordinator: whether the session's admission still stands as pushed (a rolled-back batch's does not). */
	admittedUntil(sessionId: string): number | null;
}

/** What the link needs of the object's escrow side (inventory/escrow-shard.ts), which keeps the RoomLedger in its row. */
export interface RoomEscrow {
	readonly ledger: { room?: RoomLedger };
	readonly shards: number;
	readonly index: number;
	readonly isCoordinator: boolean;
	save(): void;
}

type Memo = { ticket: Ticket | null; retryAfterSeconds: number; untilMs: number };

export class RoomLink {
	/** Coordinator: the room's calls between the objects since this one started (stats.queue.shardCalls). */
	readonly calls: RoomShardCalls = { asks: 0, reports: 0, pushes: 0 };
	/** Shard: sessions admitted by the coordinator, until when (memory; a restart asks again). */
	private readonly admissions = new Map<string, number>();
	/** Shard: refusals answered without asking again until `untilMs`. */
	private readonly refused = new Map<string, Memo>();
	/** Shard: admitted sessions that took a hold, not yet reported. */
	private readonly uses = new Map<string, number>();
	/** Shard: the admission (its end) each session's first hold was recorded for: one use per admission. */
	private readonly usedFor = new Map<string, number>();
	private reporting = false;
	private again = false;
	private reportTimer: ReturnType<typeof setTimeout> | null = null;
	private lastReportMs = 0;
	private lastUnits = "";
	/** Coordinator: admissions to push once the transaction that made them is over. */
	private toPush: ShardAdmission[] = [];
	private pushTimer: ReturnType<typeof setTimeout> | null = null;
	/** Coordinator: admissions their shard confirmed (session → admittedUntilMs), and pushes under way. */
	private readonly confirmed = new Map<string, number>();
	private readonly inflight = new Map<string, Promise<void>>();

	constructor(
		private readonly host: RoomLinkHost,
		private readonly escrow: RoomEscrow,
	) {}

	private get ledger(): RoomLedger {
		this.escrow.ledger.room ??= { state: null };
		return this.escrow.ledger.room;
	}

	state(): ShardRoomState | null {
		return this.ledger.state;
	}

	/** True when this object's reserves are gated by the coordinator's room (a shard, room on). */
	gating(): boolean {
		return !this.escrow.isCoordinator && this.ledger.state?.enabled === true;
	}

	// ---- coordinator ----

	/** Publishes the room (after create, PATCH, reset); true when the shards must hear of it. */
	publish(room: { enabled: boolean; seedCommitment: string } | null): boolean {
		const ledger = this.ledger;
		const old = ledger.state;
		if (room === null && old === null) return false;
		const next = { enabled: room?.enabled ?? false, commitment: room?.seedCommitment ?? "" };
		if (old !== null && old.enabled === next.enabled && old.commitment === next.commitment)
			return false;
		ledger.state = { ...next, version: (old?.version ?? 0) + 1 };
		ledger.acked ??= Array.from({ length: this.escrow.shards }, () => 0);
		this.escrow.save();
		return true;
	}

	/**
	 * The SKU's stock as the room counts it: units not held or sold anywhere (the
	 * pool and every shard's unsold allotment), and units held anywhere (they may
	 * come back). Shard 0's counters are live, the others' as last reported.
	 */
	stock(total: number, reserved0: number, sold0: number): StockView {
		let reserved = reserved0;
		let sold = sold0;
		const units = this.ledger.units ?? [];
		for (let i = 1; i < units.length; i++) {
			reserved += units[i]?.reserved ?? 0;
			sold += units[i]?.sold ?? 0;
		}
		return { available: total - reserved - sold, returnable: reserved };
	}

	/** A shard's report: its counters replace the last ones (absolute, so a repeat is harmless). */
	receiveReport(report: RoomReport): void {
		const shards = this.escrow.shards;
		if (!Number.isInteger(report.index) || report.index < 1 || report.index >= shards)
			throw new RangeError(`no shard ${report.index}`);
		this.ledger.units ??= Array.from({ length: shards }, () => ({ reserved: 0, sold: 0 }));
		const units = this.ledger.units;
		units[report.index] = { reserved: report.reserved, sold: report.sold };
		this.calls.reports += 1;
		this.escrow.save();
	}

	/** Admissions the room just made: pushed to their shards once this turn is over. */
	admitted(list: ShardAdmission[]): void {
		const shards = this.escrow.shards;
		for (const a of list) if (shardOf(a.sessionId, shards) !== 0) this.toPush.push(a);
		if (this.toPush.length === 0 || this.pushTimer !== null) return;
		// After the transaction: a batch that rolled back must not push what it undid.
		this.pushTimer = setTimeout(() => {
			this.pushTimer = null;
			void this.push();
		}, 0);
	}

	private async push(): Promise<void> {
		const state = this.ledger.state;
		const list = this.toPush;
		this.toPush = [];
		if (state === null || !state.enabled) return;
		const byShard = new Map<number, ShardAdmission[]>();
		for (const a of list) {
			// As the room stands now (a rolled-back batch's admission is gone from it).
			if (this.host.admittedUntil(a.sessionId) !== a.admittedUntilMs) continue;
			const i = shardOf(a.sessionId, this.escrow.shards);
			byShard.set(i, [...(byShard.get(i) ?? []), a]);
		}
		await Promise.allSettled(
			[...byShard].map(([i, admissions]) => this.send(i, state, admissions)),
		);
	}

	private send(index: number, state: ShardRoomState, admissions: ShardAdmission[]): Promise<void> {
		this.calls.pushes += 1;
		const sent = this.host
			.peer(index)
			.roomSync(state, admissions)
			.then(
				() => {
					if (this.confirmed.size >= MAX_REMEMBERED) sweep(this.confirmed, Date.now());
					for (const a of admissions) this.confirmed.set(a.sessionId, a.admittedUntilMs);
				},
				(error: unknown) => {
					// The shard asks the coordinator itself when the session tries to reserve.
					console.warn("room: pushing admissions failed", String(error));
				},
			)
			.finally(() => {
				for (const a of admissions)
					if (this.inflight.get(a.sessionId) === sent) this.inflight.delete(a.sessionId);
			});
		for (const a of admissions) this.inflight.set(a.sessionId, sent);
		return sent;
	}

	/**
	 * Before the coordinator tells a session it is admitted (its ticket): its shard
	 * has heard, so the reserve that follows costs no call. Waits for the push under
	 * way, or pushes now; a shard that cannot be reached asks when the session comes.
	 */
	async ensureKnown(sessionId: string, admittedUntilMs: number): Promise<void> {
		const state = this.ledger.state;
		const index = shardOf(sessionId, this.escrow.shards);
		if (index === 0 || state === null || !state.enabled) return;
		if (this.confirmed.get(sessionId) === admittedUntilMs) return;
		const pending = this.inflight.get(sessionId);
		if (pending !== undefined) await pending;
		if (this.confirmed.get(sessionId) === admittedUntilMs) return;
		await this.send(index, state, [{ sessionId, admittedUntilMs }]);
	}

	/** Sends the room's state to every shard that has not confirmed it; true when all have. */
	async syncShards(): Promise<boolean> {
		const state = this.ledger.state;
		if (state === null) return true;
		this.ledger.acked ??= Array.from({ length: this.escrow.shards }, () => 0);
		const acked = this.ledger.acked;
		const calls: Promise<void>[] = [];
		for (let i = 1; i < this.escrow.shards; i++) {
			if ((acked[i] ?? 0) >= state.version) continue;
			this.calls.pushes += 1;
			calls.push(
				this.host
					.peer(i)
					.roomSync(state, [])
					.then((version) => {
						if (version > (acked[i] ?? 0)) acked[i] = version;
					}),
			);
		}
		if (calls.length === 0) return true;
		const failed = (await Promise.allSettled(calls)).some((r) => r.status === "rejected");
		this.escrow.save();
		if (failed) this.host.wake(Date.now() + ROOM_RETRY_MS);
		return !failed && !this.hasPending();
	}

	// ---- shard ----

	/** The coordinator's room state and admissions; answers the version this shard now knows. */
	applySync(state: ShardRoomState, admissions: ShardAdmission[]): number {
		this.applyState(state);
		const known = this.ledger.state;
		if (known !== null && known.commitment === state.commitment) {
			for (const a of admissions) {
				this.admissions.set(a.sessionId, a.admittedUntilMs);
				this.refused.delete(a.sessionId);
			}
		}
		return known?.version ?? 0;
	}

	/** A newer state replaces the known one; a new drop (another commitment) forgets the old admissions. */
	applyState(state: ShardRoomState | null): void {
		if (state === null || this.escrow.isCoordinator) return;
		const known = this.ledger.state;
		if (known !== null && known.version >= state.version) return;
		if (known === null || known.commitment !== state.commitment) this.clear();
		this.ledger.state = { ...state };
		this.escrow.save();
		// A room turned on (or a new drop): the coordinator's view of this shard may be
		// old (nothing was reported while it was off), so report once, after this turn.
		if (state.enabled && (known?.enabled !== true || known.commitment !== state.commitment)) {
			this.lastUnits = "";
			setTimeout(() => this.changed(), 0);
		}
	}

	/** A reset of this shard: what it knew of the last drop's admissions goes. */
	clear(): void {
		this.admissions.clear();
		this.refused.clear();
		this.uses.clear();
		this.usedFor.clear();
	}

	/**
	 * Before a reserve call is decided: asks the coordinator about every session
	 * of the call that this shard has neither an admission nor a fresh refusal for.
	 */
	async prepare(sessionIds: string[]): Promise<void> {
		if (!this.gating()) return;
		const now = Date.now();
		if (this.refused.size >= MAX_REMEMBERED) sweepMemos(this.refused, now);
		if (this.admissions.size >= MAX_REMEMBERED) sweep(this.admissions, now);
		if (this.usedFor.size >= MAX_REMEMBERED) sweep(this.usedFor, now);
		const ask = [...new Set(sessionIds)].filter((s) => !this.known(s, now));
		if (ask.length === 0) return;
		let answers: RoomAnswer[];
		try {
			answers = await this.host.peer(0).roomTickets(ask);
		} catch (error) {
			// Closed, not open: without the coordinator no admission can be confirmed.
			console.warn("room: asking the coordinator failed", String(error));
			return;
		}
		ask.forEach((sessionId, i) => {
			const answer = answers[i];
			if (answer === undefined) return;
			this.applyState(answer.room);
			if (answer.admittedUntilMs !== null) {
				this.admissions.set(sessionId, answer.admittedUntilMs);
				this.refused.delete(sessionId);
			} else {
				this.refused.set(sessionId, {
					ticket: answer.ticket,
					retryAfterSeconds: answer.retryAfterSeconds,
					untilMs: Date.now() + QUEUED_MEMO_MS,
				});
			}
		});
	}

	private known(sessionId: string, now: number): boolean {
		if ((this.admissions.get(sessionId) ?? 0) > now) return true;
		const memo = this.refused.get(sessionId);
		if (memo !== undefined && memo.untilMs > now) return true;
		this.refused.delete(sessionId);
		return false;
	}

	/** True when the session may reserve on this shard now (no gate, or admitted). */
	mayReserve(sessionId: string, now: number): boolean {
		return !this.gating() || (this.admissions.get(sessionId) ?? 0) > now;
	}

	/** The shard's gate, inside the batch: null lets the session reserve; else the room's 429 `queued`. */
	gate(sessionId: string, now: number): ReserveResult | null {
		if (this.mayReserve(sessionId, now)) return null;
		this.admissions.delete(sessionId);
		const memo = this.refused.get(sessionId);
		return {
			ok: false,
			code: "queued",
			ticket: memo?.ticket ?? null,
			retryAfterSeconds: memo?.retryAfterSeconds ?? QUEUED_RETRY_DEFAULT_SECONDS,
		};
	}

	/** An admitted session took a hold here: the coordinator stops counting its admission against the budget. */
	onReserved(sessionId: string, now: number): void {
		if (!this.gating()) return;
		const until = this.admissions.get(sessionId);
		if (until === undefined || this.usedFor.get(sessionId) === until) return;
		this.usedFor.set(sessionId, until);
		this.uses.set(sessionId, now);
		this.changed();
	}

	/** Holds were written (taken, expired, cancelled, paid): report the counters soon. */
	changed(): void {
		if (!this.gating()) return;
		if (this.reporting) {
			this.again = true;
			return;
		}
		const inv = this.host.inventory();
		if (inv === null) return;
		if (this.uses.size === 0 && unitsKey(inv) === this.lastUnits) return;
		const now = Date.now();
		const gap = reportGapMs(this.escrow.shards);
		// A use must reach the coordinator before its admission ends, or it counts as lapsed.
		let urgent = false;
		for (const sessionId of this.uses.keys())
			if ((this.usedFor.get(sessionId) ?? 0) - now < 2 * gap) urgent = true;
		const wait = urgent ? 0 : this.lastReportMs + gap - now;
		if (wait > 0) {
			this.reportTimer ??= setTimeout(() => {
				this.reportTimer = null;
				this.changed();
			}, wait);
			return;
		}
		void this.report(inv);
	}

	private async report(inv: Inventory): Promise<void> {
		this.reporting = true;
		this.again = false;
		this.lastReportMs = Date.now();
		const uses = [...this.uses];
		const key = unitsKey(inv);
		try {
			const state = await this.host.peer(0).roomReport({
				index: this.escrow.index,
				reserved: inv.reserved,
				sold: inv.sold,
				uses,
			});
			this.lastUnits = key;
			for (const [sessionId, at] of uses)
				if (this.uses.get(sessionId) === at) this.uses.delete(sessionId);
			this.applyState(state);
		} catch (error) {
			// Re-sent from the alarm (retry), not at once: the coordinator may be down.
			console.warn("room: report to the coordinator failed", String(error));
			this.reporting = false;
			this.host.wake(Date.now() + ROOM_RETRY_MS);
			return;
		}
		this.reporting = false;
		if (this.again) this.changed();
	}

	/** The alarm: a shard re-sends a failed report; the coordinator its unconfirmed room state. */
	async retry(): Promise<void> {
		if (this.escrow.isCoordinator) await this.syncShards();
		else this.changed();
	}

	/** True while a side has something the other has not confirmed. */
	hasPending(): boolean {
		const state = this.ledger.state;
		if (this.escrow.isCoordinator) {
			if (state === null) return false;
			const acked = this.ledger.acked ?? [];
			for (let i = 1; i < this.escrow.shards; i++) if ((acked[i] ?? 0) < state.version) return true;
			return false;
		}
		// A shard that has not reported since it loaded: its last report may have been lost.
		return this.gating() && (this.uses.size > 0 || this.lastUnits === "");
	}
}

/** Drops the entries whose time (an admission's end) has passed. */
function sweep(map: Map<string, number>, now: number): void {
	for (const [key, until] of map) if (until <= now) map.delete(key);
}

function sweepMemos(map: Map<string, Memo>, now: number): void {
	for (const [key, memo] of map) if (memo.untilMs <= now) map.delete(key);
}

function unitsKey(inv: Inventory): string {
	return `${inv.reserved}/${inv.sold}`;
}
