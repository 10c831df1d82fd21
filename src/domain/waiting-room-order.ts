// The order of one SKU's waiting room (docs/waiting-room.md, "Tickets and the order"): the
// pre-queue in arrival order before the start, then the queue order from the start on, each
// ticket's `rank` its 0-based place in it. Pure, like domain/waiting-room.ts, which owns it.
//
// The waiting tickets are always a contiguous run from `head` (admissions take the front, a
// sell-out takes all), so nothing before `head` is ever read again here: that prefix is let go
// once it is long (the room keeps admitted tickets in its own maps), and a position is counted
// in ranks, not in array places, so the room may forget ended tickets
// (docs/decisions/090-room-tickets-and-ends-while-down.md).

import type { QueueTicket } from "./waiting-room-records.ts";
import { shuffledRanks } from "./waiting-room-shuffle.ts";

/** The passed-over prefix of the order is let go once it is at least this long (and half the array). */
const COMPACT_MIN = 1024;

export class QueueOrder {
	/** Tickets before the start, in arrival order (never forgotten before the shuffle: it covers them all). */
	private preQueue: QueueTicket[];
	/** The queue order from `order[0]` on, by rank (ranks may have gaps where tickets were forgotten). */
	private order: QueueTicket[];
	/** Index in `order` of the first ticket that may still be waiting. */
	private head = 0;
	/** The rank the next ticket queued after the start gets. */
	private nextRank: number;

	/**
	 * `nextSeq`: the room's next arrival number. Once started, every ticket ever taken has a
	 * rank and ranks are dense, so the next rank is the count of tickets taken (nextSeq − 1),
	 * whichever of them the room still keeps.
	 */
	constructor(tickets: QueueTicket[], started: boolean, nextSeq: number) {
		const pre: QueueTicket[] = [];
		const ranked: QueueTicket[] = [];
		for (const t of tickets) (t.rank === null ? pre : ranked).push(t);
		this.preQueue = sortedBy(pre, (t) => t.seq);
		this.order = sortedBy(ranked, (t) => t.rank as number);
		const last = this.order.at(-1)?.rank ?? -1;
		this.nextRank = Math.max(last + 1, started ? nextSeq - 1 : 0);
		this.skipHead();
	}

	/** Tickets in the pre-queue (all of them count against the room's bound until the start). */
	get preQueueLength(): number {
		return this.preQueue.length;
	}

	/** A new ticket: behind the queue after the start, else at the end of the pre-queue. */
	add(t: QueueTicket, started: boolean): void {
		if (started) {
			t.rank = this.nextRank;
			this.nextRank += 1;
			this.order.push(t);
		} else this.preQueue.push(t);
	}

	/**
	 * The start: the pre-queue shuffled by the seed, queued in that order; returns it, the tickets
	 * among it that `picked` chooses (in queue order), and whether its ranks are
	 * `shuffledRanks(shuffled.length, seed)` (the pre-queue is arrival numbers 1..n and ranks start
	 * at 0, as in every room that starts once): then a load recomputes them.
	 */
	start(
		seed: string,
		picked: (t: QueueTicket) => boolean,
	): { shuffled: QueueTicket[]; picked: QueueTicket[]; recomputable: boolean } {
		const pre = this.preQueue;
		const recomputable = this.nextRank === 0 && pre.every((t, i) => t.seq === i + 1);
		// `shuffleOrder(pre, seed)`, each ticket visited once and in arrival order, the order the
		// tickets were made in, not the shuffle's: at 50,000 tickets two passes in the shuffle's
		// order were about a third of the start's CPU once the digests were fast
		// (docs/decisions/146-the-room-start-at-50000-tickets.md).
		const ranks = shuffledRanks(pre.length, seed);
		const shuffled = new Array<QueueTicket>(pre.length);
		const marked = new Uint8Array(pre.length);
		let marks = 0;
		for (let i = 0; i < pre.length; i++) {
			const t = pre[i] as QueueTicket;
			const place = ranks[i + 1] as number;
			t.rank = this.nextRank + place;
			shuffled[place] = t;
			if (picked(t)) {
				marked[place] = 1;
				marks += 1;
			}
		}
		this.nextRank += pre.length;
		for (const t of shuffled) this.order.push(t);
		this.preQueue = [];
		const chosen: QueueTicket[] = [];
		for (let place = 0; marks > 0 && place < pre.length; place++) {
			if (marked[place] === 1) {
				chosen.push(shuffled[place] as QueueTicket);
				marks -= 1;
			}
		}
		return { shuffled, picked: chosen, recomputable };
	}

	/** The next ticket to admit (the first waiting one), if any. */
	front(): QueueTicket | undefined {
		this.skipHead();
		return this.order[this.head];
	}

	/** 1 is next; null before the start and for a ticket that is not waiting. */
	position(t: QueueTicket): number | null {
		if (t.state !== "waiting" || t.rank === null) return null;
		const first = this.front();
		return first === undefined || first.rank === null ? null : t.rank - first.rank + 1;
	}

	/** Every ticket that may still wait (pre-queue and the order from the front), then none. */
	takeWaiting(): QueueTicket[] {
		const out = [...this.preQueue, ...this.order.slice(this.head)];
		this.head = this.order.length;
		this.compact();
		return out;
	}

	private skipHead(): void {
		while (
			this.head < this.order.length &&
			(this.order[this.head] as QueueTicket).state !== "waiting"
		)
			this.head += 1;
		this.compact();
	}

	private compact(): void {
		if (this.head < COMPACT_MIN || this.head * 2 < this.order.length) return;
		this.order = this.order.slice(this.head);
		this.head = 0;
	}
}

/**
 * `items` in ascending `key` order, as a stable sort gives it. Arrival numbers and ranks are
 * distinct integers over a span not much wider than the tickets kept, so each ticket is put in its
 * slot in one pass: at a load of 50,000 shuffled ranks a comparison sort was a tenth of building
 * the room (docs/decisions/151-loading-a-big-room.md). Keys that are not distinct integers in such
 * a span (never written by this code) take the comparison sort.
 */
function sortedBy(items: QueueTicket[], key: (t: QueueTicket) => number): QueueTicket[] {
	const bySort = () => items.sort((a, b) => key(a) - key(b));
	if (items.length < 2) return items;
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const t of items) {
		const k = key(t);
		if (!Number.isSafeInteger(k)) return bySort();
		if (k < min) min = k;
		if (k > max) max = k;
	}
	const span = max - min + 1;
	if (span > 2 * items.length + SLOTS_SLACK) return bySort();
	const slots = new Array<QueueTicket | undefined>(span);
	for (const t of items) {
		const i = key(t) - min;
		if (slots[i] !== undefined) return bySort();
		slots[i] = t;
	}
	const out: QueueTicket[] = [];
	for (const t of slots) if (t !== undefined) out.push(t);
	return out;
}

/** Slots past twice the tickets a load may lay out before it sorts by comparison instead. */
const SLOTS_SLACK = 4096;
