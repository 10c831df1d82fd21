// The shard side of a split SKU's escrow channel (docs/decisions/020-escrow-shards.md; the
// protocol is src/domain/escrow.ts): applying the coordinator's grants, giving units back
// and re-sending the give-backs it has not confirmed. Every object of a split SKU holds one
// (inventory/escrow.ts extends it); its reserve path is inventory/escrow-shard.ts.

import { ackReturns, applyGrant, foldBackAsk, giveBack, type Transfer } from "../domain/escrow.ts";
import { ESCROW_RETRY_MS, ShardEscrow } from "./escrow-shard.ts";

/** One object's side of its channel with the coordinator. */
export class ShardChannel extends ShardEscrow {
	/** G2: applies the next grants on the channel, in order; answers the last grant applied. */
	applyGrants(transfers: Transfer[]): number {
		const inv = this.host.inventory();
		if (inv === null) throw new Error("escrow grant for an object without a product");
		const now = Date.now();
		for (const t of [...transfers].sort((a, b) => a.seq - b.seq)) {
			const before = inv.product.totalStock;
			const after = applyGrant(this.ledger.shard, before, t);
			if (after !== before) {
				inv.setAllotment(after, now, { grant: t.seq, units: t.units });
				this.exhaustedUntilMs = 0;
			}
		}
		this.save();
		this.host.persist();
		return this.ledger.shard.lastGrant;
	}

	/**
	 * R1: gives back part of the unsold allotment ("half" of the free units when
	 * folding back, "all" for a cut of totalStock, "none" to list what is pending)
	 * and answers every give-back not yet confirmed. Folding back keeps the units this
	 * shard's own waiting calls need: they are sold here, not moved to another shard's
	 * buyers while these wait for a grant.
	 */
	giveBack(ask: "half" | "all" | "none"): Transfer[] {
		const inv = this.host.inventory();
		if (inv === null) return [];
		const now = Date.now();
		// "all" is a cut's: it takes the units counted for it with the rest.
		if (ask === "all") this.pledge.release();
		const free = Math.max(0, this.free(inv));
		const spare = Math.max(0, free - this.line.units);
		const units = ask === "all" ? free : ask === "half" ? foldBackAsk(spare) : 0;
		const { reserved, sold } = inv.counters();
		const out = giveBack(this.ledger.shard, inv.product.totalStock, reserved + sold, units);
		if (out !== null) {
			inv.setAllotment(out.allotment, now, { return: out.transfer.seq, units: out.transfer.units });
			this.save();
			this.host.persist();
			// Re-sent from the alarm until the coordinator confirms it.
			this.host.wake(now + ESCROW_RETRY_MS);
		}
		return [...this.ledger.shard.pendingReturns];
	}

	/** R3: the coordinator credited give-backs up to `lastReturn`. */
	ackReturns(lastReturn: number): void {
		const before = this.ledger.shard.pendingReturns.length;
		ackReturns(this.ledger.shard, lastReturn);
		if (this.ledger.shard.pendingReturns.length !== before) this.save();
	}

	/** The alarm: re-send the give-backs the coordinator has not confirmed. */
	async retry(): Promise<void> {
		const pending = this.ledger.shard.pendingReturns;
		if (pending.length === 0) return;
		try {
			const last = await this.host.peer(0).escrowReceiveReturns(this.index, [...pending]);
			this.ackReturns(last);
		} catch (error) {
			console.warn("escrow: give-back delivery failed", String(error));
		}
		if (this.ledger.shard.pendingReturns.length > 0) this.host.wake(Date.now() + ESCROW_RETRY_MS);
	}

	/** True while something of this side is not yet confirmed by the other (the alarm must run). */
	hasPending(): boolean {
		return this.ledger.shard.pendingReturns.length > 0;
	}
}
