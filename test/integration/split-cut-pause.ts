// A cut of a split SKU's totalStock held at one point of its run, for the tests of what may happen
// meanwhile (split-cut.test.ts, split-cut-room-start.test.ts): the coordinator's calls to shard 1
// are wrapped (shards-unreachable.ts aroundShardCalls), and the cut waits after one of them until
// the test lets it go on.

import { runInDurableObject } from "cloudflare:test";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { patch, trail } from "./helpers.ts";
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
