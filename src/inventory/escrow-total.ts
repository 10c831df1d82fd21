// A change of a split SKU's totalStock in the coordinator (docs/api.md, "Shards"), run by
// Escrow.changeTotal in a turn of its own: a raise goes to the pool; a cut comes from the pool,
// after taking back the shards' unsold units when the pool alone holds too few. A refused cut
// changes nothing (docs/decisions/168-a-refused-split-cut-changes-nothing.md); a cut that awaits
// the shards judges its PATCH again before anything moves
// (docs/decisions/188-a-cut-judges-its-start-again.md); after a raise every shard forgets its
// sold-out memo (docs/decisions/189-review-37s-findings.md §2).

import { lowerTotal, type PoolLedger, raiseTotal } from "../domain/escrow.ts";
import { CutUndecided } from "./cut-pledge.ts";
import type { EscrowPeer } from "./escrow-shard.ts";

/**
 * A PATCH naming totalStock, decided in its turn (Escrow.changeTotal): move the total, or answer.
 * `recheck`: a cut that awaits the shards judges its PATCH again after they answered, before
 * anything moves; an answer there refuses it (a room that started meanwhile,
 * docs/decisions/188-a-cut-judges-its-start-again.md).
 */
export type TotalChange<T> =
	| { totalStock: number; apply: () => T; recheck?: () => T | undefined }
	| { answer: T };

/** What a change of the total needs of the coordinator's escrow (escrow.ts). */
export interface TotalHost {
	requirePool(): PoolLedger;
	save(): void;
	/** Delivers every pending grant and collects every pending give-back. */
	settle(): Promise<void>;
	foldBack(except: number, ask: "half" | "all" | "none"): Promise<number>;
	/** The coordinator's own shard: its pledge to a cut, its release, its sold-out memo. */
	pledgeForCut(): number;
	releasePledge(): void;
	forgetSoldOut(): void;
	peer(index: number): EscrowPeer;
}

/**
 * One call on every other shard (1..K − 1), in parallel; each that fails is logged with `what`
 * and left out. Their answers, in the order of the shards that gave them.
 */
async function onOtherShards<R>(
	host: TotalHost,
	call: (peer: EscrowPeer) => Promise<R>,
	what: string,
): Promise<{ answers: R[]; failed: boolean }> {
	const calls: Promise<R>[] = [];
	for (let j = 1; j < host.requirePool().shards; j++) calls.push(call(host.peer(j)));
	const answers: R[] = [];
	let failed = false;
	for (const r of await Promise.allSettled(calls)) {
		if (r.status === "fulfilled") answers.push(r.value);
		else {
			failed = true;
			console.warn(`escrow: ${what}`, String(r.reason));
		}
	}
	return { answers, failed };
}

/** Moves the total, or refuses (null); `then` is the PATCH's own change, in the pool's transaction. */
export async function changeTotalNow<T>(
	host: TotalHost,
	totalStock: number,
	then: () => T,
	recheck: () => T | undefined = () => undefined,
): Promise<T | null> {
	const pool = host.requirePool();
	if (totalStock >= pool.total) {
		const by = totalStock - pool.total;
		raiseTotal(pool, by);
		host.save();
		// The new units are in the pool: this shard's "nothing left" no longer holds (the
		// other shards' are forgotten before the answer, forgetSoldOutElsewhere).
		if (by > 0) host.forgetSoldOut();
		return then();
	}
	const cut = pool.total - totalStock;
	if (lowerTotal(pool, cut)) {
		host.save();
		return then();
	}
	return cutFromShards(host, cut, then, recheck);
}

/**
 * A refused cut changes nothing (docs/api.md; docs/decisions/168-a-refused-split-cut-changes-nothing.md):
 * every shard first pledges its unsold, unclaimed units (inventory/cut-pledge.ts), which its
 * buyers cannot take while the cut runs, and no grant leaves the pool until it ends. A cut
 * the pool and the pledges cannot cover is refused and the pledges released, with no
 * allotment moved and no event; one they cover takes them back ("all") and comes from the pool.
 * `recheck` judges the PATCH again once the shards have answered: when the counts are in (a
 * refusal then releases the pledges, nothing moved) and after the units came back, with no
 * await before the total moves (a refusal then leaves them in the pool, as a 503 of decision
 * 168 does; the total, the product and the trail unchanged).
 */
async function cutFromShards<T>(
	host: TotalHost,
	cut: number,
	then: () => T,
	recheck: () => T | undefined,
): Promise<T | null> {
	const pool = host.requirePool();
	await host.settle();
	const counted = await pledgeEverywhere(host);
	// Give-backs of a fold back asked before the pledges, credited now: counted nowhere else.
	await host.foldBack(-1, "none");
	if (pool.pool + counted.units < cut) {
		await releaseEverywhere(host);
		if (counted.failed)
			throw new CutUndecided("a shard could not be counted for the cut of totalStock");
		return null;
	}
	const refusedFirst = recheck();
	if (refusedFirst !== undefined) {
		await releaseEverywhere(host);
		return refusedFirst;
	}
	await host.foldBack(-1, "all");
	const refused = recheck();
	if (refused !== undefined) {
		host.save();
		return refused;
	}
	if (!lowerTotal(pool, cut)) {
		// A shard lost its pledge (it restarted) or did not answer: what came back stays in the pool.
		host.save();
		throw new CutUndecided("a shard's counted units did not all come back for the cut");
	}
	host.save();
	return then();
}

/** Every shard's pledge to the cut (the coordinator's own too); `failed`: some shard did not answer. */
async function pledgeEverywhere(host: TotalHost): Promise<{ units: number; failed: boolean }> {
	const own = host.pledgeForCut();
	const { answers, failed } = await onOtherShards(
		host,
		(peer) => peer.escrowPledgeForCut(),
		"a shard's count for a cut failed",
	);
	return { units: [own, ...answers].reduce((n, u) => n + Math.max(0, u), 0), failed };
}

/** A refused cut: every shard's buyers may have the pledged units again (a shard not reached frees them itself). */
async function releaseEverywhere(host: TotalHost): Promise<void> {
	host.releasePledge();
	await onOtherShards(host, (peer) => peer.escrowReleasePledge(), "a shard's release failed");
}

/**
 * After a raise of the total: every other shard forgets its sold-out memo, in parallel, so none
 * answers sold_out from a "nothing left" heard before the new units were in the pool
 * (docs/decisions/189-review-37s-findings.md §2). Best effort: a shard not reached has its memo
 * lapse by itself within EXHAUSTED_MEMO_MS, so a failure is only logged and nothing is owed.
 */
export async function forgetSoldOutElsewhere(host: TotalHost): Promise<void> {
	await onOtherShards(
		host,
		(peer) => peer.escrowForgetSoldOut(),
		"a shard did not forget its sold-out memo",
	);
}
