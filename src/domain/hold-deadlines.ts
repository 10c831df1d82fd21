// When a SKU's live holds next need the model (domain/inventory.ts): a RESERVED hold at its
// expiry, a CHECKOUT_PENDING one at its payment deadline. A min-heap with lazy deletion
// (heap.ts): an entry its hold has outgrown (cancelled, paid, moved to checkout, given a new
// deadline) is skipped when it reaches the top, never searched for.

import { MinHeap } from "./heap.ts";
import type { Hold } from "./inventory-records.ts";

export class HoldDeadlines {
	private readonly heap = new MinHeap<string>();

	/** The hold's current deadline: its expiry while RESERVED, its payment deadline while pending. */
	track(hold: Hold): void {
		if (hold.status === "RESERVED") this.heap.push(hold.expiresAtMs, hold.id);
		else if (hold.paymentDeadlineMs !== null) this.heap.push(hold.paymentDeadlineMs, hold.id);
	}

	/** A deadline for hold `id` at `atMs`, whatever its status says. */
	add(atMs: number, id: string): void {
		this.heap.push(atMs, id);
	}

	/** The earliest deadline still current for a hold in `active`; stale entries go on the way. */
	next(active: ReadonlyMap<string, Hold>): number | null {
		for (;;) {
			const at = this.heap.peekKey();
			if (at === undefined) return null;
			const id = this.heap.peekValue();
			const hold = id === undefined ? undefined : active.get(id);
			if (hold !== undefined) {
				if (hold.status === "RESERVED" && hold.expiresAtMs === at) return at;
				if (hold.status === "CHECKOUT_PENDING" && hold.paymentDeadlineMs === at) return at;
			}
			this.heap.pop();
		}
	}

	/** The hold id of the earliest entry due by `nowMs`, taken off; it may be stale (the caller checks). */
	popDue(nowMs: number): string | undefined {
		const at = this.heap.peekKey();
		if (at === undefined || at > nowMs) return undefined;
		return this.heap.pop();
	}

	clear(): void {
		this.heap.clear();
	}
}
