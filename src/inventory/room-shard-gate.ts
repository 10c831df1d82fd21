// The shard side of the waiting room of a SKU split across shards: the gate a
// shard's reserve calls pass, its questions to the coordinator and its reports
// (the protocol: inventory/room-shards.ts, which adds the coordinator's side;
// docs/decisions/031-room-on-shards.md). The types both sides exchange, and how often a
// shard reports, are inventory/room-shard-protocol.ts.

import { QUEUED_MEMO_MS } from "../domain/bounds.ts";
import type { Inventory } from "../domain/inventory.ts";
import { MAX_ADMIT_SECONDS, type PendingLapse } from "../domain/waiting-room.ts";
import type { Ticket } from "../shared/types.ts";
import { type HeldCursor, type HeldPage, heldFrom } from "./records.ts";
import {
	MAX_HELD_PER_REPORT,
	ROOM_RETRY_MS,
	type RoomAnswer,
	type RoomLedger,
	type RoomPeer,
	reportGapMs,
	type ShardAdmission,
	type ShardRoomState,
} from "./room-shard-protocol.ts";
import type { ReserveResult } from "./rpc.ts";
import { QUEUED_RETRY_DEFAULT_SECONDS } from "./waiting-room.ts";

/** Sessions a map of this file remembers before it sweeps out the ended ones. */
export const MAX_REMEMBERED = 10_000;

export interface RoomLinkHost {
	inventory(): Inventory | null;
	peer(index: number): RoomPeer;
	wake(atMs: number): void;
	/** Coordinator: whether the session's admission still stands as pushed (a rolled-back batch's does not). */
	admittedUntil(sessionId: string): number | null;
	/** Shard: a page of the holds taken here after `cursor` (records.ts heldPage), at most `limit`. */
	heldPage(cursor: HeldCursor, limit: number): HeldPage;
	/** Coordinator: ended admissions with no use known, and the shards' word on them (room-shards.ts). */
	pendingLapses(): PendingLapse[];
	settleLapses(answers: [sessionId: string, heldAtMs: number | null][]): void;
	/** Coordinator: those of `sessionIds` that read the product (inventory/readers.ts readersAmong). */
	readersAmong(sessionIds: readonly string[]): ReadonlySet<string>;
	/** Shard: the coordinator says the session read the product (its tier, and stored with its hold). */
	markRead(sessionId: string): void;
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

/**
 * Every object's side of the room's link; it acts in a shard (with the room on): the
 * gate, the questions and the reports. The coordinator's RoomLink extends it.
 */
export class ShardRoomGate {
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
	/**
	 * Until the recount after this object loaded went through, page by page: the holds'
	 * records stand in for the first holds a restart lost from `uses` (memory only), so no
	 * admission stays counted as unused until it lapses. "start": no page sent yet; a
	 * cursor: where the next page starts; null: done.
	 */
	private recount: HeldCursor | "start" | null = "start";

	constructor(
		protected readonly host: RoomLinkHost,
		protected readonly escrow: RoomEscrow,
	) {}

	protected get ledger(): RoomLedger {
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

	/** The coordinator's room state and admissions; answers the version this shard now knows. */
	applySync(state: ShardRoomState, admissions: ShardAdmission[]): number {
		this.applyState(state);
		const known = this.ledger.state;
		if (known !== null && known.commitment === state.commitment) {
			for (const a of admissions) {
				this.admissions.set(a.sessionId, a.admittedUntilMs);
				this.refused.delete(a.sessionId);
				if (a.read === true) this.host.markRead(a.sessionId);
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
			if (answer.read === true) this.host.markRead(sessionId);
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
		// While something is not confirmed, an alarm stands within ROOM_RETRY_MS (set in the
		// transaction that wrote the holds): a restart loses the timer below and `uses`, and
		// that alarm loads the object again, whose first report recounts (`recount`). On the
		// reserve path it is the outbox's alarm of the same commit, so nothing is written.
		if (this.reporting) {
			this.again = true;
			this.host.wake(Date.now() + ROOM_RETRY_MS);
			return;
		}
		const inv = this.host.inventory();
		if (inv === null) return;
		if (this.uses.size === 0 && unitsKey(inv) === this.lastUnits && this.recount === null) return;
		const now = Date.now();
		this.host.wake(now + ROOM_RETRY_MS);
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
			const page = this.recountPage();
			const state = await this.host.peer(0).roomReport({
				index: this.escrow.index,
				reserved: inv.reserved,
				sold: inv.sold,
				uses,
				...(page !== null ? { held: page.held } : {}),
			});
			// A failed report keeps the cursor: the same page goes again.
			if (page !== null) this.recount = page.next;
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
		// More pages: the next goes after the gap, like any report.
		if (this.again || this.recount !== null) this.changed();
	}

	/** The recount's next page, or null when it is done. */
	private recountPage(): HeldPage | null {
		if (this.recount === null) return null;
		const now = Date.now();
		// Fixed at the first page: holds taken after it are reported as uses.
		const cursor =
			this.recount === "start" ? heldFrom(now - MAX_ADMIT_SECONDS * 1000, now) : this.recount;
		this.recount = cursor;
		return this.host.heldPage(cursor, MAX_HELD_PER_REPORT);
	}

	/** The alarm: a shard re-sends a failed report. */
	async retry(): Promise<void> {
		this.changed();
	}

	/** True while this side has something the other has not confirmed. */
	hasPending(): boolean {
		// A shard that has not reported since it loaded: its last report may have been lost;
		// one whose recount has pages left keeps its alarm until they went.
		return this.gating() && (this.uses.size > 0 || this.lastUnits === "" || this.recount !== null);
	}
}

/**
 * A shard's reserve call: the attempts the room lets through. The gate asks the
 * coordinator only about sessions it has no word on; refused attempts take no
 * units, so they never make a shard ask for a grant. Without a gate (`link`
 * null, or the room off) the object's own room decides.
 */
export async function pastTheRoom<A extends { sessionId: string; quantity: number }>(
	link: ShardRoomGate | null,
	keeper: { mayReserve(sessionId: string, now: number): boolean },
	attempts: A[],
): Promise<A[]> {
	if (link === null) return attempts;
	await link.prepare(attempts.map((a) => a.sessionId));
	const now = Date.now();
	return attempts.filter((a) =>
		link.gating() ? link.mayReserve(a.sessionId, now) : keeper.mayReserve(a.sessionId, now),
	);
}

/** Drops the entries whose time (an admission's end) has passed. */
export function sweep(map: Map<string, number>, now: number): void {
	for (const [key, until] of map) if (until <= now) map.delete(key);
}

function sweepMemos(map: Map<string, Memo>, now: number): void {
	for (const [key, memo] of map) if (memo.untilMs <= now) map.delete(key);
}

function unitsKey(inv: Inventory): string {
	return `${inv.reserved}/${inv.sold}`;
}
