// What each session stands at on one SKU: the units it holds or bought (the purchase limit
// counts both) and its holds that still stand (RESERVED, CHECKOUT_PENDING), so that the buyer's
// read of its own holds (`GET /api/products/:sku/holds/mine`) finds them without scanning every
// live hold of the SKU (docs/decisions/122-a-buyers-read-of-the-sessions-holds.md). In memory
// only, rebuilt with the model from the stored holds (inventory/records.ts loadState): no write
// of its own.
//
// One map entry per session, as the count alone was, and on a reserve no more work than it: the
// entry of a session whose only units are one standing hold (a drop's usual buyer) is that hold
// itself, so a first hold costs one lookup and one insert, as the count's did, and no allocation;
// a session with units bought, or more than one hold, gets a number or a `Several`.
// Pure, like the model it serves (domain/inventory-stock.ts).

import type { Hold } from "./inventory-records.ts";

/** A session with units besides one standing hold: its count and its standing holds. */
class Several {
	units: number;
	readonly holds: Hold[];
	constructor(units: number, holds: Hold[]) {
		this.units = units;
		this.holds = holds;
	}
}

/** Units only (bought, none standing); the one standing hold that is all of them; or both kinds. */
type Entry = number | Hold | Several;

const NONE: readonly Hold[] = [];

export class SessionStandings {
	private readonly bySession = new Map<string, Entry>();

	/** `usage`: units per session, stored holds and orders (loadState); `loaded` then adds no units. */
	constructor(usage: Iterable<[string, number]> = []) {
		for (const [session, units] of usage) this.bySession.set(session, units);
	}

	units(sessionId: string): number {
		const e = this.bySession.get(sessionId);
		if (e === undefined) return 0;
		if (typeof e === "number") return e;
		return e instanceof Several ? e.units : e.quantity;
	}

	/** The session's holds that still stand (no more than its limit's count), in no set order. */
	live(sessionId: string): readonly Hold[] {
		const e = this.bySession.get(sessionId);
		if (e === undefined || typeof e === "number") return NONE;
		return e instanceof Several ? e.holds : [e];
	}

	/** A hold loaded from storage: its units are already in the stored count. */
	loaded(hold: Hold): void {
		const id = hold.sessionId;
		const e = this.bySession.get(id);
		if (e === undefined) this.bySession.set(id, hold);
		else if (typeof e === "number")
			this.bySession.set(id, e === hold.quantity ? hold : new Several(e, [hold]));
		else if (e instanceof Several) e.holds.push(hold);
		else this.bySession.set(id, new Several(e.quantity + hold.quantity, [e, hold]));
	}

	/** A hold just taken: its units count, and it stands. */
	took(hold: Hold): void {
		const id = hold.sessionId;
		const e = this.bySession.get(id);
		if (e === undefined) this.bySession.set(id, hold);
		else if (typeof e === "number") this.bySession.set(id, new Several(e + hold.quantity, [hold]));
		else if (e instanceof Several) {
			e.units += hold.quantity;
			e.holds.push(hold);
		} else this.bySession.set(id, new Several(e.quantity + hold.quantity, [e, hold]));
	}

	/** A hold that ended unpaid (expired, cancelled, payment failed, cleared by a reset): units back. */
	ended(hold: Hold): void {
		const id = hold.sessionId;
		const e = this.bySession.get(id);
		if (e === undefined) return;
		if (isHold(e, hold)) {
			this.bySession.delete(id);
			return;
		}
		if (e instanceof Several) {
			e.units -= hold.quantity;
			drop(e.holds, hold.id);
			if (e.units <= 0) this.bySession.delete(id);
			return;
		}
		const left = this.units(id) - hold.quantity;
		if (left > 0) this.bySession.set(id, left);
		else this.bySession.delete(id);
	}

	/** A hold paid: it no longer stands, and its units stay counted (an order). */
	paid(hold: Hold): void {
		const id = hold.sessionId;
		const e = this.bySession.get(id);
		if (e === undefined) return;
		if (isHold(e, hold)) this.bySession.set(id, hold.quantity);
		else if (e instanceof Several) drop(e.holds, hold.id);
	}
}

/** Whether the entry is this very hold (the session's one standing hold). */
function isHold(e: Entry, hold: Hold): boolean {
	return typeof e === "object" && !(e instanceof Several) && e.id === hold.id;
}

function drop(holds: Hold[], id: string): void {
	const i = holds.findIndex((h) => h.id === id);
	if (i >= 0) holds.splice(i, 1);
}
