// The admissions of one SKU's waiting room (docs/waiting-room.md, "Admission by stock"): who is
// admitted, which admissions still count against the budget (admitted, no hold yet), when each
// ends, and whether an ended one was used or lapsed. Pure, like domain/waiting-room.ts, which
// owns it and persists what it changes.
//
// A SKU split across shards (docs/waiting-room.md, "A SKU split across shards"): the coordinator
// learns a session's first hold from the session's shard, a report later — or, when the shard
// restarted before its report, from its recount, which may arrive after the admission ended.
// So an admission of a session on another shard that ends with no use known is *pending*: over
// (its place in the budget is free, the ticket `expired`), but not called lapsed until the
// shard's hold records say whether the session held units within it (`settle`,
// docs/decisions/090-room-tickets-and-ends-while-down.md). Only then is it `queue.lapsed`.

import { MinHeap } from "./heap.ts";
import type { DomainEvent } from "./inventory.ts";
import { AdmissionWindow } from "./waiting-room-eta.ts";
import type { QueueTicket, RoomSnapshot } from "./waiting-room-records.ts";

/** What the admissions tell the room that owns them. */
export interface AdmissionsHost {
	changed(t: QueueTicket): void;
	emit(event: DomainEvent): void;
	/** An admission is over: the ticket is `expired` from now on. */
	ended(t: QueueTicket): void;
}

/** An ended admission whose use is not known yet, for its shard to answer. */
export interface PendingLapse {
	sessionId: string;
	admittedAtMs: number;
	admittedUntilMs: number;
}

export class Admissions {
	admittedTotal: number;
	lapsed: number;
	/**
	 * Sessions whose ended admission waits for their shard's word before it is called lapsed
	 * (a split SKU's coordinator sets it: sessions on the other shards); null: decided at once.
	 */
	deferLapse: ((sessionId: string) => boolean) | null = null;
	/** Tickets in state admitted (reserved or not). */
	private admittedCount = 0;
	/** Admitted, not yet reserved, admission not over: what the budget counts. */
	private readonly unused = new Set<QueueTicket>();
	/** Admissions by admittedUntilMs, stale entries skipped (domain/heap.ts). */
	private readonly deadlines = new MinHeap<QueueTicket>();
	/** Ended, no use known, waiting for the shard's word: by session. */
	private readonly pending = new Map<string, QueueTicket>();
	private readonly window: AdmissionWindow;

	constructor(
		snapshot: RoomSnapshot,
		tickets: QueueTicket[],
		private readonly host: AdmissionsHost,
	) {
		this.admittedTotal = snapshot.admittedTotal;
		this.lapsed = snapshot.lapsed;
		const pendingIds = new Set(snapshot.pendingLapses ?? []);
		const admittedAt: number[] = [];
		for (const t of tickets) {
			if (t.admittedAtMs !== null) admittedAt.push(t.admittedAtMs);
			if (t.state === "admitted") {
				this.admittedCount += 1;
				if (t.usedAtMs === null) this.unused.add(t);
				this.deadlines.push(t.admittedUntilMs as number, t);
			}
			if (t.state === "expired" && t.usedAtMs === null && pendingIds.has(t.ticketId))
				this.pending.set(t.sessionId, t);
		}
		this.window = new AdmissionWindow(admittedAt);
	}

	/** Tickets in state admitted, and those of them that still count against the budget. */
	get admitted(): number {
		return this.admittedCount;
	}

	get unusedCount(): number {
		return this.unused.size;
	}

	/** The ended admissions waiting for their shard's word (the snapshot keeps their ticket ids). */
	pendingLapses(): PendingLapse[] {
		return [...this.pending.values()].map((t) => ({
			sessionId: t.sessionId,
			admittedAtMs: t.admittedAtMs as number,
			admittedUntilMs: t.admittedUntilMs as number,
		}));
	}

	pendingTicketIds(): string[] {
		return [...this.pending.values()].map((t) => t.ticketId);
	}

	/** `burst`: admitted by an operator's raise of the total, not counted in the ETA's pace. */
	admit(t: QueueTicket, nowMs: number, admitSeconds: number, burst = false): void {
		t.state = "admitted";
		t.admittedAtMs = nowMs;
		t.admittedUntilMs = nowMs + admitSeconds * 1000;
		this.admittedCount += 1;
		this.unused.add(t);
		this.deadlines.push(t.admittedUntilMs, t);
		this.window.record(nowMs, burst);
		this.admittedTotal += 1;
		this.host.changed(t);
		this.host.emit({
			type: "queue.admitted",
			atMs: nowMs,
			sessionId: t.sessionId,
			detail: {
				ticketId: t.ticketId,
				seq: t.seq,
				rank: t.rank,
				admittedUntil: new Date(t.admittedUntilMs).toISOString(),
			},
		});
	}

	/** The admission took a hold at `atMs`: it no longer counts against the budget (or, ended, it was used). */
	markUsed(t: QueueTicket, atMs: number): void {
		if (this.pending.has(t.sessionId)) {
			this.settle(t.sessionId, atMs, atMs);
			return;
		}
		if (t.state !== "admitted" || t.usedAtMs !== null) return;
		t.usedAtMs = atMs;
		this.unused.delete(t);
		this.host.changed(t);
	}

	/** Ends every admission due at `nowMs`; one with no use is lapsed now, or pending (deferLapse). */
	endDue(nowMs: number): void {
		for (;;) {
			const at = this.deadlines.peekKey();
			if (at === undefined || at > nowMs) return;
			const t = this.deadlines.pop() as QueueTicket;
			if (t.state !== "admitted" || t.admittedUntilMs !== at) continue;
			t.state = "expired";
			this.admittedCount -= 1;
			this.host.changed(t);
			this.host.ended(t);
			if (!this.unused.delete(t)) continue;
			if (this.deferLapse?.(t.sessionId) === true) this.pending.set(t.sessionId, t);
			else this.lapse(t, nowMs);
		}
	}

	/**
	 * The shard's word on a pending admission: the session's first hold within it (`heldAtMs`),
	 * or null when it held nothing there. A hold within the admission makes it used; else lapsed.
	 */
	settle(sessionId: string, heldAtMs: number | null, nowMs: number): void {
		const t = this.pending.get(sessionId);
		if (t === undefined) return;
		this.pending.delete(sessionId);
		const from = t.admittedAtMs as number;
		const until = t.admittedUntilMs as number;
		if (heldAtMs !== null && heldAtMs >= from && heldAtMs < until) {
			t.usedAtMs = heldAtMs;
			this.host.changed(t);
		} else this.lapse(t, nowMs);
	}

	/** A forgotten ticket (domain/waiting-room-kept.ts) still pending is lapsed first: nobody will answer for it. */
	forgetting(t: QueueTicket, nowMs: number): void {
		if (this.pending.delete(t.sessionId)) this.lapse(t, nowMs);
	}

	/** The earliest end of an admission still running. */
	nextEndMs(): number | null {
		for (;;) {
			const top = this.deadlines.peekValue();
			if (top === undefined) return null;
			if (top.state === "admitted" && top.admittedUntilMs === this.deadlines.peekKey())
				return top.admittedUntilMs;
			this.deadlines.pop();
		}
	}

	/** Admissions in the last minute and the span they were counted over (domain/waiting-room-eta.ts). */
	rate(nowMs: number, startedAtMs: number | null): { admissions: number; windowMs: number } {
		return this.window.rate(nowMs, startedAtMs);
	}

	/** `queue.lapsed`: the admission ended unused; `admittedUntil` says when, however late it is recorded. */
	private lapse(t: QueueTicket, nowMs: number): void {
		this.lapsed += 1;
		this.host.emit({
			type: "queue.lapsed",
			atMs: nowMs,
			sessionId: t.sessionId,
			detail: {
				ticketId: t.ticketId,
				admittedUntil: new Date(t.admittedUntilMs as number).toISOString(),
			},
		});
	}
}
