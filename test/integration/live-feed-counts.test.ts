// The live feed's flood closes and cool-down refusals counted, and every close and refusal of the
// feed in the per-second metrics series (docs/api.md, the stats' `live` and the series' `live`;
// docs/decisions/170-the-feeds-flood-closes-and-cool-down-refusals-counted.md): a socket closed
// 4429 for flooding (decision 162), the 429s its address meets in the 5-s cool-down after, the
// silent sockets closed 4408 to make room and the 503s at the feed's bound. Counted by the object
// that keeps the feed (a split SKU's coordinator), written like the rejection counters (so they
// survive a restart once written), zeroed by a reset; never reserve attempts.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_LIVE_IDLE_SECONDS } from "../../src/domain/bounds.ts";
import { LIVE_FLOOD_CLOSE_CODE } from "../../src/inventory/live-asks.ts";
import { LIVE_IDLE_CLOSE_CODE } from "../../src/shared/live-keepalive.ts";
import type { LiveFeedCounts, SkuMetrics } from "../../src/shared/types.ts";
import { afterRestart } from "./counters-support.ts";
import { ADMIN, call, createProduct, stats } from "./helpers.ts";
import { liveViewers, upgrade } from "./live-viewers.ts";
import { freshIp } from "./ratelimit-support.ts";
import type { InventoryObject } from "./worker.ts";

const PAST_IDLE_MS = DEFAULT_LIVE_IDLE_SECONDS * 1000 + 1_000;
/** A close reaches the object as an event of its own, after the client's call returns. */
const SETTLED = { timeout: 10_000, interval: 50 };
const NONE: LiveFeedCounts = {
	idleClosed: 0,
	floodClosed: 0,
	refusedFull: 0,
	refusedAddress: 0,
	refusedCoolDown: 0,
};
const live = liveViewers();

/** The object that keeps the feed: the SKU's own (a split SKU's coordinator). */
function keeper(sku: string, fn: (o: InventoryObject) => void): Promise<void> {
	return runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), fn);
}

/** The code `ws` is closed with; the close is answered, as a browser does. */
function closing(ws: WebSocket): Promise<number> {
	return new Promise((resolve) =>
		ws.addEventListener(
			"close",
			(e) => {
				ws.close(1000, "bye");
				resolve(e.code);
			},
			{ once: true },
		),
	);
}

/** The series' live counts summed over its points, the window's, and the points' reserve attempts. */
async function inSeries(
	sku: string,
): Promise<{ points: LiveFeedCounts; window: LiveFeedCounts | undefined; attempts: number }> {
	const res = await call<SkuMetrics>("GET", `/api/admin/products/${sku}/metrics`, { token: ADMIN });
	expect(res.status).toBe(200);
	const m = res.body.data as SkuMetrics;
	const points = { ...NONE };
	for (const p of m.series)
		for (const kind of Object.keys(points) as (keyof LiveFeedCounts)[])
			points[kind] += p.live?.[kind] ?? 0;
	const attempts = m.series.reduce((n, p) => n + p.attempts + p.rejected, 0);
	return { points, window: m.window.live, attempts };
}

describe.each([1, 4])("the live feed's closes and refusals counted (shards %i)", (shards) => {
	it("counts a flood's close and its address's cool-down refusals in the stats and the series; they survive a restart and a reset zeroes them", async () => {
		const sku = await createProduct({ totalStock: 4, shards });
		const flooder = freshIp();
		const ws = await live.viewer(sku, flooder);
		const closed = closing(ws);
		for (let i = 0; i < 50; i++) ws.send("?");
		expect(await closed).toBe(LIVE_FLOOD_CLOSE_CODE);
		for (let i = 0; i < 2; i++) expect((await upgrade(sku, flooder)).status).toBe(429);
		// Another address is taken and counts nothing.
		await live.viewer(sku, freshIp());

		const counted = { ...NONE, floodClosed: 1, refusedCoolDown: 2 };
		const after = await stats(sku);
		expect(after.live).toMatchObject(counted);
		// The cool-down's 429s are not the address's places: `addressRefusals` is unchanged.
		expect(after.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 0 });
		expect(after.attempts).toBe(0);
		expect(await inSeries(sku)).toEqual({ points: counted, window: counted, attempts: 0 });

		for (const open of live.opened.splice(0))
			if (open.readyState === WebSocket.OPEN) open.close(1000, "done");
		const restarted = await afterRestart(sku, { liveFloodClosed: 1, liveRefusedCoolDown: 2 });
		expect(restarted.live).toMatchObject(counted);

		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);
		expect((await stats(sku)).live).toMatchObject(NONE);
	});

	it("puts the idle closes, the feed's 503s and the address's 429s in the series, as the stats count them", async () => {
		const sku = await createProduct({ totalStock: 4, shards });
		const first = await live.viewer(sku, freshIp());
		const closed = closing(first);
		await keeper(sku, (o) => o.liveBoundsLowered(1, 1));
		const newcomer = freshIp();
		// The feed is full and its one socket was heard from: refused 503.
		expect((await upgrade(sku, newcomer)).status).toBe(503);
		// Silent past the bound: the next upgrade closes it and is taken.
		await keeper(sku, (o) => o.liveClockAhead(PAST_IDLE_MS));
		await live.viewer(sku, newcomer);
		expect(await closed).toBe(LIVE_IDLE_CLOSE_CODE);
		// The newcomer's address at its one place, its socket heard just now: refused 429.
		await keeper(sku, (o) => o.liveClockAhead(0));
		expect((await upgrade(sku, newcomer)).status).toBe(429);

		const counted = { ...NONE, idleClosed: 1, refusedFull: 1, refusedAddress: 1 };
		await vi.waitFor(async () => expect((await stats(sku)).live).toMatchObject(counted), SETTLED);
		expect(await inSeries(sku)).toEqual({ points: counted, window: counted, attempts: 0 });
	});
});
