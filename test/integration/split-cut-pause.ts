// A cut of a split SKU's totalStock held at one point of its run, for the tests of what may happen
// meanwhile (split-cut.test.ts, split-cut-room-start.test.ts, split-cut-rollback.test.ts): the coordinator's calls to shard 1
// are wrapped (shards-unreachable.ts aroundShardCalls), and the cut waits after one of them until
// the test lets it go on.

import { runInDurableObject } from "cloudflare:test";
import type { Escrow } from "../../src/inventory/escrow.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { patch, type trail } from "./helpers.ts";
import { aroundShardCalls, coordinator } from "./shards-unreachable.ts";

/** The coordinator's calls to its shards, with a pause after shard 1's part of a cut. */
export type Paused = {
	peerStub: (index: number) => unknown;
	/** The cut has reached its pause. */
	cutCounted?: boolean;
	cutGoOn?: boolean;
};

/**
 * Where the cut waits: after shard 1's count (its pledge), or after shard 1 gave its units back
 * (the fold back that takes the pledged units, just before the total moves).
 */
export type PausePoint = "counted" | "given back";

export async function pauseAfterShardOneCounted(
	sku: string,
	at: PausePoint = "counted",
): Promise<void> {
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		const object = instance as unknown as Paused;
		aroundShardCalls(instance, async ({ index, method, args, call }) => {
			// The count of a cut: escrowPledgeForCut now, escrowAvailable before.
			const counts = method === "escrowPledgeForCut" || method === "escrowAvailable";
			const givesBack = method === "escrowGiveBack" && args[0] === "all";
			const answer = await call();
			if (index === 1 && (at === "counted" ? counts : givesBack) && object.cutCounted === false) {
				object.cutCounted = true;
				while (object.cutGoOn !== true) await sleep(5);
			}
			return answer;
		});
		object.cutCounted = false;
		object.cutGoOn = false;
	});
}

export const coordinatorFlag = (sku: string, read: (o: Paused) => boolean) =>
	runInDurableObject(coordinator(sku), (instance: InventoryObject) =>
		read(instance as unknown as Paused),
	);

/** The cut held by pauseAfterShardOneCounted goes on. */
export const letCutGoOn = (sku: string) =>
	runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		(instance as unknown as Paused).cutGoOn = true;
	});

/** The answers to `sent`, in order; then the coordinator calls its shards without the pause. */
export async function answersThenNoPause(
	sku: string,
	sent: ReturnType<typeof patch>[],
): Promise<Awaited<ReturnType<typeof patch>>[]> {
	const answers = await Promise.all(sent);
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		delete (instance as unknown as Partial<Paused>).peerStub;
	});
	return answers;
}

/** The operator's PATCHes of `field` in the trail, oldest first (not the escrow's own events). */
export const operatorChanges = (events: Awaited<ReturnType<typeof trail>>, field: string) =>
	events
		.filter((e) => e.type === "product.updated" && e.detail?.escrow === undefined)
		.map((e) => e.detail?.[field]);

/** The coordinator's escrow (its internals). */
export const coordinatorEscrow = (instance: InventoryObject) =>
	(instance as unknown as { escrow: Escrow }).escrow;

/** Operator turns waiting in the coordinator's move gate (its internals, inventory/escrow-moves.ts). */
export const turnsWaiting = (sku: string) =>
	runInDurableObject(
		coordinator(sku),
		(instance: InventoryObject) =>
			(coordinatorEscrow(instance) as unknown as { moves: { aloneWaiting: number } }).moves
				.aloneWaiting,
	);

/**
 * `cut` (a cut that needs both shards' units) held after shard 1's count, then `meanwhile`, and
 * `behind` sent while it waits, until `behind` is answered or waits its turn in the coordinator's move gate;
 * then the cut goes on. Both answers, in that order.
 */
export async function patchBehindCut(
	sku: string,
	cut: Parameters<typeof patch>[1],
	behind: Parameters<typeof patch>[1],
	meanwhile: () => Promise<void> = async () => {},
): Promise<Awaited<ReturnType<typeof patch>>[]> {
	await pauseAfterShardOneCounted(sku);
	const sent: ReturnType<typeof patch>[] = [];
	try {
		sent.push(patch(sku, cut));
		while (!(await coordinatorFlag(sku, (o) => o.cutCounted === true))) await sleep(5);
		await meanwhile();
		let answered = false;
		sent.push(
			patch(sku, behind).finally(() => {
				answered = true;
			}),
		);
		while (!answered && (await turnsWaiting(sku)) === 0) await sleep(5);
	} finally {
		await letCutGoOn(sku);
	}
	return answersThenNoPause(sku, sent);
}
