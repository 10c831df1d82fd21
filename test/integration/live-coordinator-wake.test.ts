// A split SKU's coordinator evicted (a restart, a move) while its feed has viewers
// (docs/decisions/150-a-coordinator-restarted-with-viewers.md): the hibernated sockets stay
// open, but the timer that merged the shards for them died with the object, and a hold on
// another shard never calls the coordinator. The merges must resume by themselves — the
// object's alarm, kept set while it has viewers, wakes it — so the viewers still get the other
// shards' changes within the documented bound. The test stops the merges' timer before the
// harness's eviction (worker.ts livePollDies): the eviction waits for the object's requests to
// drain, and the timer, re-armed from the upgrade's request, would keep it waiting for as long as
// the viewer stays (the harness-only "hang" of stop-note 15: the eviction does not return).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { LIVE_SILENT_POLL_MS, LIVE_WAKE_MS } from "../../src/inventory/live-poll.ts";
import type { Availability } from "../../src/shared/types.ts";
import { liveViewers } from "./live-viewers.ts";
import { stubOf } from "./objects.ts";
import { type Buyer, buyers, createSharded, reserve } from "./shards-support.ts";
import type { InventoryObject } from "./worker.ts";

const SHARDS = 2;
const live = liveViewers();
const SETTLED = { timeout: 10_000, interval: 50 };

/** A viewer of `sku` and every availability message it is sent. */
async function watched(sku: string) {
	const viewer = await live.viewer(sku, "198.51.100.60");
	const messages: Availability[] = [];
	viewer.addEventListener("message", (event) => {
		const data = JSON.parse(String(event.data));
		if (data.type === "availability") messages.push(data);
	});
	return { viewer, messages };
}

/** Two buyers whose sessions hash to shard 1 (never the coordinator's own). */
async function farBuyers(): Promise<Buyer[]> {
	const far = (await buyers(40)).filter((b) => shardOf(b.sessionId, SHARDS) === 1);
	expect(far.length).toBeGreaterThanOrEqual(2);
	return far;
}

function pace(sku: string) {
	return runInDurableObject(stubOf(sku), (o: InventoryObject) => o.livePollPace());
}

/** When the coordinator's alarm is set (null: none). */
function alarmAt(sku: string): Promise<number | null> {
	return runInDurableObject(stubOf(sku), (_o: InventoryObject, state) => state.storage.getAlarm());
}

describe("a split SKU's coordinator evicted with viewers open", () => {
	it("resumes its merges by itself: a hold on another shard reaches the viewer", async () => {
		const sku = await createSharded(20, SHARDS, 2);
		const { messages } = await watched(sku);
		const [first, second] = (await farBuyers()) as [Buyer, Buyer];
		// The edge learns the shard count (a first reserve), so the next reserve calls shard 1 alone.
		expect((await reserve(first, sku)).status).toBe(201);
		await vi.waitFor(() => expect(messages.at(-1)?.reserved).toBe(1), {
			timeout: 5_000,
			interval: 20,
		});

		// The merges' timer dies (as with the object, below), then the hold is taken: whatever it
		// calls finds the coordinator not merging. After the eviction nothing calls it at all.
		await runInDurableObject(stubOf(sku), (o: InventoryObject) => o.livePollDies());
		expect((await reserve(second, sku)).status).toBe(201);
		await evictDurableObject(stubOf(sku), { webSockets: "hibernate" });
		// Only its alarm can wake it, within LIVE_WAKE_MS; then a merge at the feed's pace (the
		// viewer was heard within the idle bound), or at worst the silent one.
		await vi.waitFor(() => expect(messages.at(-1)).toMatchObject({ reserved: 2, available: 18 }), {
			timeout: LIVE_WAKE_MS + LIVE_SILENT_POLL_MS + 5_000,
			interval: 50,
		});
	}, 45_000);

	it("keeps its alarm within the wake bound while viewers watch, and lets it go once none is left", async () => {
		const sku = await createSharded(20, SHARDS, 2);
		const { viewer } = await watched(sku);
		// Whatever else had it set (the create's outbox) runs now; the feed's merges set it again.
		await runDurableObjectAlarm(stubOf(sku));
		await vi.waitFor(async () => {
			const at = await alarmAt(sku);
			expect(at).not.toBe(null);
			expect(at as number).toBeLessThanOrEqual(Date.now() + LIVE_WAKE_MS);
		}, SETTLED);

		viewer.close(1000, "leaving");
		live.opened.splice(live.opened.indexOf(viewer), 1);
		await vi.waitFor(async () => expect(await pace(sku)).toBe("stopped"), SETTLED);
		// The alarm that comes with no viewer left is not set again for the feed.
		await runDurableObjectAlarm(stubOf(sku));
		expect(await alarmAt(sku)).toBe(null);
	});
});
