// The reset of a SKU split across shards, owed to the other shards until each has done it
// (docs/decisions/124-a-split-reset-owed.md). The coordinator (shard 0) resets its own holds and,
// in the same transaction, records a new reset generation every other shard owes, with the
// alarm that re-sends it; each shard does a reset at most once per generation, and stores the
// generation with its reset (one transaction too). So a crash between the coordinator's reset
// and the shards' leaves the reset owed, not forgotten: it is finished right after the
// coordinator's own reset, from the alarm (also the one a restarted coordinator arms at load),
// on the repeat of a keyed reset, and before the coordinator answers a whole-SKU view (product,
// availability, stats, the edge's copy), whose counts are the shards'. A keyed reset's shards
// reset under the operator's key, whichever of those finishes it, so the trail shows the key on
// every shard's `inventory.reset` (decision 081).

import { ESCROW_RETRY_MS, type EscrowLedger } from "./escrow-shard.ts";
import type { KeyedReset } from "./reset-keys.ts";
import type { ResetPeer } from "./shard-reset-protocol.ts";

export interface ResetsHost {
	ledger: EscrowLedger;
	shards: number;
	peer(index: number): ResetPeer;
	/** Writes the escrow row (in the caller's synchronous turn). */
	save(): void;
	/** Sets the object's alarm no later than `atMs`. */
	wake(atMs: number): void;
}

/**
 * Coordinator, in the transaction of its own reset: a new generation every other shard owes
 * (under the operator's key, if any), and the alarm that re-sends it if the process dies first.
 */
export function owedReset(host: ResetsHost, keyed: KeyedReset | null, nowMs: number): void {
	const old = host.ledger.reset;
	const generation = (old?.generation ?? 0) + 1;
	const acked = Array.from({ length: host.shards }, (_, i) => old?.acked?.[i] ?? 0);
	acked[0] = generation;
	host.ledger.reset = {
		generation,
		acked,
		keyed: keyed === null ? null : { ...keyed, replayOnly: false },
		atMs: nowMs,
	};
	host.save();
	host.wake(nowMs + ESCROW_RETRY_MS);
}

/**
 * Coordinator: the shards (1..K − 1) that have not confirmed the last reset's generation, or
 * generation `upTo` when given (a reset's own, with later ones left to their own requests).
 */
export function resetsOwed(ledger: EscrowLedger, shards: number, upTo?: number): number[] {
	const r = ledger.reset;
	if (r === undefined || ledger.pool === null) return [];
	const due = Math.min(r.generation, upTo ?? r.generation);
	const owed: number[] = [];
	for (let i = 1; i < shards; i++) if ((r.acked?.[i] ?? 0) < due) owed.push(i);
	return owed;
}

/**
 * Coordinator: the last reset to every shard that owes it; records what each confirmed. A shard
 * that failed is asked again from the alarm. Answers the first failure, or null.
 */
export async function pushResets(host: ResetsHost): Promise<unknown> {
	const owed = resetsOwed(host.ledger, host.shards);
	const r = host.ledger.reset;
	if (owed.length === 0 || r === undefined) return null;
	const { generation } = r;
	const keyed = r.keyed ?? null;
	const atMs = r.atMs ?? null;
	// The room as published now: the coordinator's reset published the new drop's in its own
	// transaction, so this state is that drop's or a later one's, never the old drop's.
	const room = host.ledger.room?.state ?? null;
	const results = await Promise.allSettled(
		owed.map(async (i) => {
			const known = await host.peer(i).escrowReset(keyed, generation, atMs, room);
			// The ledger as it is now: a reset meanwhile may have moved the generation on.
			const now = host.ledger.reset ?? r;
			now.acked ??= [];
			if (known > (now.acked[i] ?? 0)) now.acked[i] = known;
		}),
	);
	host.save();
	const failed = results.find((x) => x.status === "rejected");
	if (failed !== undefined || resetsOwed(host.ledger, host.shards).length > 0)
		host.wake(Date.now() + ESCROW_RETRY_MS);
	return failed?.reason ?? null;
}

/** Shard: whether the coordinator's reset `generation` is still to be done here. */
export function resetDue(ledger: EscrowLedger, generation: number): boolean {
	return generation > (ledger.reset?.generation ?? 0);
}

/** Shard, in the transaction of its reset (keyed or not): done up to `generation`. */
export function resetDone(ledger: EscrowLedger, generation: number): boolean {
	if (!resetDue(ledger, generation)) return false;
	ledger.reset = { generation };
	return true;
}
