// The live feed's places in the SKU's stats (docs/api.md, the stats' `live`;
// docs/decisions/156-the-live-feeds-places-in-the-stats.md): the sockets open now, from how many
// addresses and how many of them at their bound, read from the runtime's own list; and the
// upgrades refused at the address's bound (429) or the feed's (503) and the silent sockets closed
// 4408 to make room, counted since the last reset by the object that keeps the feed (a split
// SKU's coordinator), written like the rejection counters so they survive a restart once written.
// The workers tests run every object with the default bounds, so the coordinator's are lowered in
// the test (worker.ts liveBoundsLowered) and its feed's clock set past the idle bound.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
	DEFAULT_LIVE_IDLE_SECONDS,
	DEFAULT_MAX_LIVE_SOCKETS,
	DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
} from "../../src/domain/bounds.ts";
import { LIVE_IDLE_CLOSE_CODE } from "../../src/shared/live-keepalive.ts";
import type { LiveFeedStats } from "../../src/shared/types.ts";
import { afterRestart } from "./counters-support.ts";
import { ADMIN, call, createProduct, stats } from "./helpers.ts";
import { liveViewers, upgrade } from "./live-viewers.ts";
import { freshIp } from "./ratelimit-support.ts";
import type { InventoryObject } from "./worker.ts";

/** Past the idle bound by a margin: every socket open is silent to the feed. */
const PAST_IDLE_MS = DEFAULT_LIVE_IDLE_SECONDS * 1000 + 1_000;
/** Generous: a close reaches the object as an event of its own, after the client's call returns. */
const SETTLED = { timeout: 10_000, interval: 50 };
const live = liveViewers();

const NOTHING: LiveFeedStats = {
	open: 0,
	cap: DEFAULT_MAX_LIVE_SOCKETS,
	perAddressCap: DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS,
	addresses: 0,
	mostByOneAddress: 0,
	addressesAtCap: 0,
	idleClosed: 0,
	floodClosed: 0,
	refusedFull: 0,
	refusedAddress: 0,
	refusedCoolDown: 0,
};

/** The object that keeps the feed: the SKU's own (a split SKU's coordinator). */
function keeper(sku: string, fn: (o: InventoryObject) => void): Promise<void> {
	return runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), fn);
}

/** A viewer from `ip` and the close code its socket got, once it was closed (it answers the close). */
async function watched(sku: string, ip: string): Promise<{ ws: WebSocket; closedWith: number[] }> {
	const ws = await live.viewer(sku, ip);
	const closedWith: number[] = [];
	ws.addEventListener("close", (event) => {
		closedWith.push(event.code);
		// As a browser does: the close is answered, so the object's side of the socket ends too.
		ws.close(1000, "bye");
	});
	return { ws, closedWith };
}

describe.each([1, 4])("the live feed's places in the stats (shards %i)", (shards) => {
	it("says what is open by address, what was refused 429 and 503, and the silent sockets closed to make room", async () => {
		const sku = await createProduct({ totalStock: 8, shards });
		expect((await stats(sku)).live).toEqual(NOTHING);

		const crowd = freshIp();
		const viewers: { ws: WebSocket; closedWith: number[] }[] = [];
		for (let i = 0; i < 3; i++) viewers.push(await watched(sku, crowd));
		viewers.push(await watched(sku, freshIp()));
		await keeper(sku, (o) => o.liveBoundsLowered(4, 3));
		const full = { ...NOTHING, open: 4, cap: 4, perAddressCap: 3 };
		expect((await stats(sku)).live).toEqual({
			...full,
			addresses: 2,
			mostByOneAddress: 3,
			addressesAtCap: 1,
		});

		// The crowd's address is at its bound (429), the feed at its own (503): nobody is silent yet.
		expect((await upgrade(sku, crowd)).status).toBe(429);
		const newcomer = freshIp();
		expect((await upgrade(sku, newcomer)).status).toBe(503);
		expect((await upgrade(sku, newcomer)).status).toBe(503);
		const refused = await stats(sku);
		expect(refused.live).toMatchObject({
			open: 4,
			refusedAddress: 1,
			refusedFull: 2,
			idleClosed: 0,
		});
		expect(refused.addressRefusals?.liveFeed).toBe(1);
		// Not reserve attempts.
		expect(refused.attempts).toBe(0);

		// Every socket silent past the bound: the next upgrade closes them all and is taken.
		await keeper(sku, (o) => o.liveClockAhead(PAST_IDLE_MS));
		await live.viewer(sku, newcomer);
		await vi.waitFor(() => {
			for (const v of viewers) expect(v.closedWith).toEqual([LIVE_IDLE_CLOSE_CODE]);
		}, SETTLED);
		await vi.waitFor(async () => {
			expect((await stats(sku)).live).toEqual({
				...full,
				open: 1,
				addresses: 1,
				mostByOneAddress: 1,
				idleClosed: 4,
				refusedFull: 2,
				refusedAddress: 1,
			});
		}, SETTLED);

		// Closed before the restart: a split SKU's coordinator evicted in this harness with a feed
		// socket open does not answer its next read (address-refusals.test.ts).
		for (const ws of live.opened.splice(0))
			if (ws.readyState === WebSocket.OPEN) ws.close(1000, "done");
		const restarted = await afterRestart(sku, {
			liveIdleClosed: 4,
			liveRefusedFull: 2,
			liveFeedAddressRefused: 1,
		});
		// The counters survive; the bounds are the configured ones again (the lowering was the instance's).
		expect(restarted.live).toEqual({
			...NOTHING,
			idleClosed: 4,
			refusedFull: 2,
			refusedAddress: 1,
		});

		// An operator's reset zeroes the counters with the others.
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		expect((await stats(sku)).live).toEqual(NOTHING);
	});
});
