// A split SKU's feed with only silent viewers (docs/decisions/148-a-listen-only-feed-kept.md): a
// viewer from which nothing was heard for the idle bound (a listen-only client, a tab in the
// background) is not closed while the feed has places free, and the coordinator does not go on
// asking its shards every 100 ms for it: it merges every LIVE_SILENT_POLL_MS, so a change on
// another shard still reaches the viewer, and a viewer's ask brings back the feed's own pace.
// The viewer comes through the Worker; the coordinator's feed clock is set past the idle bound
// (the workers tests run every object with the default bound of 300 s).
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_LIVE_IDLE_SECONDS } from "../../src/domain/bounds.ts";
import { shardName, shardOf } from "../../src/domain/escrow.ts";
import { LIVE_SILENT_POLL_MS } from "../../src/inventory/live-poll.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Availability } from "../../src/shared/types.ts";
import { liveViewers } from "./live-viewers.ts";
import { stubOf } from "./objects.ts";
import { type Buyer, buyers, createSharded, reserve } from "./shards-support.ts";
import type { InventoryObject } from "./worker.ts";

const SHARDS = 2;
/** Past the idle bound by a margin: the viewer's upgrade is older than the bound to the feed. */
const PAST_IDLE_MS = DEFAULT_LIVE_IDLE_SECONDS * 1000 + 1_000;
/** A window in which the feed's own pace would merge many times and the silent pace at most once. */
const WINDOW_MS = 2_000;
const SETTLED = { timeout: 10_000, interval: 50 };
const live = liveViewers();

function pace(sku: string) {
	return runInDurableObject(stubOf(sku), (o: InventoryObject) => o.livePollPace());
}

/** Calls of escrowCounters shard `index` answered since the last call of this (the coordinator's merges). */
function countersAnswered(sku: string, index: number): Promise<number> {
	return runInDurableObject(stubOf(shardName(sku, index)), (o: InventoryObject) => {
		const n = o.countersAnswered;
		o.countersAnswered = 0;
		return n;
	});
}

describe("a split SKU's feed with only silent viewers", () => {
	it("keeps the silent viewer, merges at the silent pace and still sends it another shard's change; an ask brings back the feed's pace", async () => {
		const sku = await createSharded(20, SHARDS, 2);
		const viewer = await live.viewer(sku, "198.51.100.40");
		const messages: Availability[] = [];
		viewer.addEventListener("message", (event) => {
			messages.push(JSON.parse(String(event.data)));
		});
		let closedWith: number | null = null;
		viewer.addEventListener("close", (event) => {
			closedWith = event.code;
		});
		await vi.waitFor(
			async () => expect(await countersAnswered(sku, 1)).toBeGreaterThan(0),
			SETTLED,
		);

		// Nothing heard from the viewer for the idle bound, as the coordinator's feed sees it.
		await runInDurableObject(stubOf(sku), (o: InventoryObject) => o.liveClockAhead(PAST_IDLE_MS));
		await sleep(1_000);
		// With places free, a listen-only viewer keeps its socket.
		expect(closedWith).toBe(null);
		await vi.waitFor(async () => expect(await pace(sku)).toBe("slow"), SETTLED);

		// The coordinator no longer asks its shards at the feed's pace.
		await countersAnswered(sku, 1);
		await sleep(WINDOW_MS);
		expect(await countersAnswered(sku, 1)).toBeLessThanOrEqual(1);
		expect(closedWith).toBe(null);

		// A hold on the other shard still reaches the silent viewer (within LIVE_SILENT_POLL_MS).
		const far = (await buyers(30)).find((b) => shardOf(b.sessionId, SHARDS) === 1) as Buyer;
		expect((await reserve(far, sku)).status).toBe(201);
		await vi.waitFor(
			() => expect(messages.find((m) => m.reserved === 1)).toMatchObject({ available: 19 }),
			{ timeout: LIVE_SILENT_POLL_MS * 3, interval: 50 },
		);

		// The viewer asks: heard from, the coordinator merges at the feed's pace again at once.
		viewer.send("ping");
		await vi.waitFor(async () => expect(await pace(sku)).toBe("fast"), SETTLED);
		expect(closedWith).toBe(null);
	});
});
