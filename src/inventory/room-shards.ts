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
// - Coordinator → shard, when an admission of one of its sessions ended with no use
//   known: the shard's hold records say whether the session held units within it
//   (`roomHeld`), so a use a restart kept from the reports is not called lapsed
//   (confirmLapses; docs/decisions/090-room-tickets-and-ends-while-down.md).
//
// This file is the coordinator's side (RoomLink); a shard's gate and reports are
// inventory/room-shard-gate.ts, the types both sides exchange inventory/room-shard-protocol.ts.
// A SKU in one object has no escrow row and never reaches either.

import { shardOf } from "../domain/escrow.ts";
import type { Inventory } from "../domain/inventory.ts";
import type { PendingLapse, StockView } from "../domain/waiting-room.ts";
import type { RoomShardCalls } from "../shared/types.ts";
import { MAX_REMEMBERED, ShardRoomGate, sweep } from "./room-shard-gate.ts";
import {
	MAX_HELD_PER_REPORT,
	ROOM_RETRY_MS,
	type RoomAnswer,
	type RoomReport,
	type ShardAdmission,
	type ShardRoomState,
} from "./room-shard-protocol.ts";
import type { JoinResult } from "./rpc.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** The coordinator's side of the room's link (a shard's side: inventory/room-shard-gate.ts). */
export class RoomLink extends ShardRoomGate {
	/** Coordinator: the room's calls between the objects since this one started (stats.queue.shardCalls). */
	readonly calls: RoomShardCalls = { asks: 0, reports: 0, pushes: 0, held: 0 };
	/** Coordinator: admissions to push once the transaction that made them is over. */
	private toPush: ShardAdmission[] = [];
	private pushTimer: ReturnType<typeof setTimeout> | null = null;
	/** Coordinator: admissions their shard confirmed (session → admittedUntilMs), and pushes under way. */
	private readonly confirmed = new Map<string, number>();
	private readonly inflight = new Map<string, Promise<void>>();
	/** Coordinator: shards asked about ended admissions (`roomHeld`), one question each at a time. */
	private readonly asking = new Set<number>();
	private confirmTimer: ReturnType<typeof setTimeout> | null = null;

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
		// With the state, in the caller's transaction: a crash before the shards have it leaves
		// an alarm that sends it (decision 118), not a room only the coordinator knows.
		this.host.wake(Date.now() + ROOM_RETRY_MS);
		return true;
	}

	/** Coordinator: a shard (1..K − 1) has not confirmed the room's state as published. */
	stateOwed(): boolean {
		const state = this.ledger.state;
		if (state === null || !this.escrow.isCoordinator) return false;
		const acked = this.ledger.acked ?? [];
		for (let i = 1; i < this.escrow.shards; i++) if ((acked[i] ?? 0) < state.version) return true;
		return false;
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

	/** A shard's report (`roomReport`): its counters, and its used admissions for the room. */
	takeReport(report: RoomReport, keeper: RoomKeeper): void {
		this.receiveReport(report);
		for (const [sessionId, atMs] of report.uses) keeper.onReserved(sessionId, atMs);
		for (const [sessionId, atMs] of report.held ?? []) keeper.onHeldSince(sessionId, atMs);
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
		// The session's read goes with its admission: its shard judges its attempts.
		const reads = this.host.readersAmong(admissions.map((a) => a.sessionId));
		const told = admissions.map((a) =>
			reads.has(a.sessionId) ? { ...a, read: true as const } : a,
		);
		const sent = this.host
			.peer(index)
			.roomSync(state, told)
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

	/** A session told it is admitted (a join's or a ticket read's answer) finds its shard knowing it. */
	async shardKnows(sessionId: string, answer: JoinResult | { ok: false }): Promise<void> {
		const until = answer.ok ? answer.ticket.admittedUntil : null;
		if (until === null || !this.escrow.isCoordinator) return;
		await this.ensureKnown(sessionId, Date.parse(until));
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
	/** Coordinator, after each commit: ended admissions whose use is not known go to their shards. */
	override changed(): void {
		if (!this.escrow.isCoordinator) {
			super.changed();
			return;
		}
		if (this.confirmTimer !== null || this.host.pendingLapses().length === 0) return;
		// After the transaction, like a push: a batch that rolled back must not ask for what it undid.
		this.confirmTimer = setTimeout(() => {
			this.confirmTimer = null;
			void this.confirmLapses();
		}, 0);
	}

	/**
	 * Asks each shard, from its hold records, whether the sessions of their ended admissions
	 * held units within them (MAX_HELD_PER_REPORT a call); settles what it answers in one turn.
	 * A shard that cannot answer is asked again from the alarm.
	 */
	async confirmLapses(): Promise<void> {
		const byShard = new Map<number, PendingLapse[]>();
		for (const p of this.host.pendingLapses()) {
			const i = shardOf(p.sessionId, this.escrow.shards);
			if (this.asking.has(i)) continue;
			const list = byShard.get(i) ?? [];
			if (list.length < MAX_HELD_PER_REPORT) list.push(p);
			byShard.set(i, list);
		}
		await Promise.allSettled(
			[...byShard].map(async ([i, list]) => {
				this.asking.add(i);
				this.calls.held += 1;
				try {
					const held = await this.host.peer(i).roomHeld(list);
					this.host.settleLapses(list.map((p, k) => [p.sessionId, held[k] ?? null]));
				} catch (error) {
					console.warn("room: asking a shard about ended admissions failed", String(error));
					this.host.wake(Date.now() + ROOM_RETRY_MS);
				} finally {
					this.asking.delete(i);
				}
				// Admissions of this shard that ended while it was being asked (their turn skipped
				// it), or past the page: asked now, not at some later commit or alarm.
				const asked = new Set(list.map((p) => p.sessionId));
				const n = this.escrow.shards;
				const left = this.host
					.pendingLapses()
					.some((p) => shardOf(p.sessionId, n) === i && !asked.has(p.sessionId));
				if (left) this.changed();
			}),
		);
	}

	/** The alarm: a shard re-sends a failed report; the coordinator its unconfirmed room state and questions. */
	override async retry(): Promise<void> {
		if (this.escrow.isCoordinator) {
			await this.syncShards();
			await this.confirmLapses();
		} else await super.retry();
	}

	/** True while a side has something the other has not confirmed. */
	override hasPending(): boolean {
		if (this.escrow.isCoordinator) {
			if (this.ledger.state === null) return false;
			return this.stateOwed() || this.host.pendingLapses().length > 0;
		}
		return super.hasPending();
	}
}

/**
 * The coordinator's answer to a shard asking about sessions it has no admission for
 * (`roomTickets`): one per session, in order, from the room as it stands `now`; `reads`: those
 * that read the product (inventory/readers.ts readersAmong), so the shard's tier knows it.
 */
export function answerTickets(
	link: RoomLink | null,
	keeper: RoomKeeper,
	sku: string | null,
	sessionIds: string[],
	now: number,
	reads: ReadonlySet<string>,
): RoomAnswer[] {
	if (link !== null) link.calls.asks += 1;
	const room = link?.state() ?? null;
	return sessionIds.map((sessionId) => {
		const ticket = sku === null ? null : keeper.ticket(sku, sessionId, now);
		return {
			room,
			ticket,
			admittedUntilMs: keeper.admittedUntil(sessionId, now),
			retryAfterSeconds: keeper.retryAfterSeconds(ticket),
			...(reads.has(sessionId) ? { read: true as const } : {}),
		};
	});
}

/** What the room admits by: a split SKU's coordinator counts every shard (`total`: the escrow's). */
export function roomStock(inv: Inventory, link: RoomLink | null, total: number | null): StockView {
	if (link === null || total === null) {
		const counters = inv.counters();
		return { available: counters.available, returnable: inv.reserved, total: counters.total };
	}
	return { ...link.stock(total, inv.reserved, inv.sold), total };
}
