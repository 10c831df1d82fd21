// Eventual mode, simulated the way src/worker/eventual.ts builds it on D1 (docs/demo.md, step 3):
// read the remaining count, pause, write it back minus the quantity. Requests
// that overlap in the pause all read the same count, so the writes lose each
// other's updates and more units are allocated than exist (oversellDelta).
//
// The drop's rules the server keeps before that naive path hold here too
// (docs/decisions/061-ops-fixes-of-the-second-review.md): the start, and the purchase
// limit on the attempt's quantity plus the session's earlier allocations, read with the
// count (as stale as it), except on the caller's own sandbox. The mock has no waiting
// room (its products are sandboxes, which have none on the server either), so there is
// no room gate to keep. Nor does it let a sandbox hold more than the server's bound of
// allocations (domain/bounds.ts SANDBOX_EVENTUAL_ALLOCATIONS_MAX): past it, `sold_out`.

import { SANDBOX_EVENTUAL_ALLOCATIONS_MAX } from "../../domain/bounds.ts";
import type { ProductConfig } from "../../domain/inventory.ts";

export const EVENTUAL_PAUSE_MS = 100;

export type EventualOutcome = "allocated" | "sold_out" | "purchase_limit";

/** Who asks, for the purchase limit (src/worker/eventual.ts, EventualAttempt). */
export interface EventualBuyer {
	sessionId: string;
	perUserLimit: number;
	/** False on the caller's own sandbox: a presenter's stampede from one session is the demo. */
	countEarlierAllocations: boolean;
}

/**
 * What the server answers before it reads the count, in its order: `not_started`, then
 * the attempt's own quantity past the limit. Null: on to the naive path.
 */
export function eventualRefusal(
	product: Pick<ProductConfig, "startsAtMs" | "perUserLimit">,
	quantity: number,
	nowMs: number,
): "not_started" | "purchase_limit" | null {
	if (product.startsAtMs !== null && nowMs < product.startsAtMs) return "not_started";
	if (quantity > product.perUserLimit) return "purchase_limit";
	return null;
}

export class EventualStock {
	remaining: number;
	allocated = 0;
	/** Allocations made since the last reset (the server's rows), up to the sandbox's bound. */
	private rows = 0;
	/** Units each session was allocated since the last reset (the server's eventual_allocations). */
	private readonly bySession = new Map<string, number>();

	constructor(public total: number) {
		this.remaining = total;
	}

	get oversellDelta(): number {
		return Math.max(0, this.allocated - this.total);
	}

	/** The lost-update pattern, on purpose: no lock between the read and the write. */
	async allocate(
		quantity: number,
		pause: (ms: number) => Promise<void>,
		buyer: EventualBuyer | null = null,
	): Promise<EventualOutcome> {
		const seen = this.remaining; // "SELECT remaining"
		// "SELECT SUM(quantity) … WHERE session_id = ?", in the same read as the count.
		const earlier =
			buyer?.countEarlierAllocations === true ? (this.bySession.get(buyer.sessionId) ?? 0) : 0;
		if (buyer !== null && earlier + quantity > buyer.perUserLimit) return "purchase_limit";
		if (seen < quantity) return "sold_out";
		await pause(EVENTUAL_PAUSE_MS);
		// The server's insert that writes nothing once the sandbox holds its bound of rows.
		if (this.rows >= SANDBOX_EVENTUAL_ALLOCATIONS_MAX) return "sold_out";
		this.rows += 1;
		this.remaining = seen - quantity; // "UPDATE … SET remaining = ?" with a stale value
		this.allocated += quantity;
		if (buyer !== null)
			this.bySession.set(buyer.sessionId, (this.bySession.get(buyer.sessionId) ?? 0) + quantity);
		return "allocated";
	}

	/** Units allocated to the session since the last reset (the sentence of a limit's refusal). */
	allocatedTo(sessionId: string): number {
		return this.bySession.get(sessionId) ?? 0;
	}

	reset(): void {
		this.remaining = this.total;
		this.allocated = 0;
		this.rows = 0;
		this.bySession.clear();
	}
}
