// Who takes the places of one SKU's waiting room (docs/waiting-room.md, "Tickets and the order"):
// the places each network address holds, for the per-address cap, and those held by tickets
// whose session had not read the product, for the share of the room they may take
// (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md). A ticket takes a place
// from its join until it ends (expired, sold out). Memory only: rebuilt from the ticket rows,
// which carry the address and the read (inventory/waiting-room.ts). Pure, like domain/waiting-room.ts.

import type { QueueTicket } from "./waiting-room-records.ts";

export class RoomPlaces {
	private readonly byAddress = new Map<string, number>();
	private readonly counted = new Set<QueueTicket>();
	private unreadCount = 0;

	constructor(tickets: Iterable<QueueTicket>) {
		for (const t of tickets) if (t.state === "waiting" || t.state === "admitted") this.add(t);
	}

	/** Places held by tickets whose session had not read the product. */
	get unread(): number {
		return this.unreadCount;
	}

	/** Places the address holds. */
	of(clientKey: string): number {
		return this.byAddress.get(clientKey) ?? 0;
	}

	/**
	 * Places one address holds, under today's key and, when given, under the day before's: its
	 * tickets taken before midnight UTC carry that one (decision 160), and still hold their places.
	 */
	ofAddress(clientKey: string, formerKey?: string | null): number {
		const former = formerKey ?? null;
		return this.of(clientKey) + (former === null || former === clientKey ? 0 : this.of(former));
	}

	/** A ticket that takes a place (a join). */
	add(t: QueueTicket): void {
		if (this.counted.has(t)) return;
		this.counted.add(t);
		if (t.unread === true) this.unreadCount += 1;
		const key = t.clientKey ?? null;
		if (key !== null) this.byAddress.set(key, this.of(key) + 1);
	}

	/**
	 * The ticket's session read the product after an unread join: its place leaves the unread share.
	 * Called before the ticket's `unread` turns false, so `release` then counts it as read.
	 */
	read(t: QueueTicket): void {
		if (this.counted.has(t) && t.unread === true) this.unreadCount -= 1;
	}

	/** The ticket ended (its admission is over, or the room sold out): its place is free. */
	release(t: QueueTicket): void {
		if (!this.counted.delete(t)) return;
		if (t.unread === true) this.unreadCount -= 1;
		const key = t.clientKey ?? null;
		if (key === null) return;
		const left = this.of(key) - 1;
		if (left > 0) this.byAddress.set(key, left);
		else this.byAddress.delete(key);
	}
}
