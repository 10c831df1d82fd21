// The refusals at the per-address caps outside the reserve path, counted in the SKU's stats
// under `addressRefusals` (docs/api.md; docs/decisions/133-address-refusals-in-the-stats.md): a
// live feed upgrade refused 429 at MAX_LIVE_SOCKETS_PER_ADDRESS (decision 128) and a waiting-room
// join refused 429 at RATE_LIMIT_ROOM_TICKETS (decision 130). Neither is a reserve attempt, so
// neither reaches `attempts` or `rejected` (the console's "N reserve attempts, M rejected"). The
// object that keeps the feed and the room counts them (a split SKU's coordinator); they are
// written like the rejection counters, so they survive a restart once written. The per-second
// metrics series carries them too, beside the attempts and never among them
// (docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md).
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS } from "../../src/domain/bounds.ts";
import type { AddressRefusals, SkuMetrics, Stats } from "../../src/shared/types.ts";
import { afterRestart } from "./counters-support.ts";
import { ADMIN, call, createProduct, DEBUG, stats } from "./helpers.ts";
import { liveViewers, upgrade } from "./live-viewers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { createRoom, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

const PER_ADDRESS = DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS;
const { opened, viewer } = liveViewers();

function rejectedTotal(s: Stats): number {
	return Object.values(s.rejected).reduce((n, k) => n + k, 0);
}

/**
 * The per-second series' address refusals, summed over the points and as the window says, with
 * the window's attempts and rejections: the refusals are in the series and not among attempts.
 */
async function inSeries(
	sku: string,
): Promise<{ points: AddressRefusals; window: AddressRefusals | undefined; attempts: number }> {
	const res = await call<SkuMetrics>("GET", `/api/admin/products/${sku}/metrics`, { token: ADMIN });
	expect(res.status).toBe(200);
	const m = res.body.data as SkuMetrics;
	const points = { liveFeed: 0, roomJoin: 0 };
	for (const p of m.series) {
		points.liveFeed += p.addressRefusals?.liveFeed ?? 0;
		points.roomJoin += p.addressRefusals?.roomJoin ?? 0;
	}
	const attempts = m.series.reduce((n, p) => n + p.attempts + p.rejected, 0);
	return { points, window: m.window.addressRefusals, attempts };
}

describe.each([1, 4])("the live feed's per-address refusals (shards %i)", (shards) => {
	it("are counted under addressRefusals.liveFeed, not in attempts or rejected", async () => {
		const sku = await createProduct({ totalStock: 8, shards });
		const before = await stats(sku);
		expect(before.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 0 });
		const crowd = freshIp();
		for (let i = 0; i < PER_ADDRESS; i++) await viewer(sku, crowd);
		for (let i = 0; i < 2; i++) expect((await upgrade(sku, crowd)).status).toBe(429);
		// Another address is taken and counts nothing.
		await viewer(sku, freshIp());

		const after = await stats(sku);
		expect(after.addressRefusals).toEqual({ liveFeed: 2, roomJoin: 0 });
		expect(after.attempts).toBe(before.attempts);
		expect(rejectedTotal(after)).toBe(rejectedTotal(before));
		expect(await inSeries(sku)).toEqual({
			points: { liveFeed: 2, roomJoin: 0 },
			window: { liveFeed: 2, roomJoin: 0 },
			attempts: 0,
		});
		// Closed before the restart: a split SKU's coordinator evicted in this harness with a feed
		// socket open does not answer its next read (seen before this change too).
		for (const ws of opened.splice(0)) ws.close(1000, "done");
		const restarted = await afterRestart(sku, { liveFeedAddressRefused: 2 });
		expect(restarted.addressRefusals).toEqual({ liveFeed: 2, roomJoin: 0 });
	});
});

describe.each([1, 4])("the waiting room's per-address refusals (shards %i)", (shards) => {
	it("are counted under addressRefusals.roomJoin, not in attempts or rejected", async () => {
		const vars = { RATE_LIMIT_ROOM_TICKETS: "1" };
		const sku = await createRoom({
			totalStock: 5,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
			shards,
		});
		const before = await stats(sku);
		const ip = freshIp();
		const tokens: string[] = [];
		for (let i = 0; i < 2; i++) {
			const res = await limited<{ token: string }>("POST", "/api/sessions", {
				ip,
				vars,
				body: { turnstileToken: DEBUG },
			});
			expect(res.status, JSON.stringify(res.body)).toBe(201);
			tokens.push((res.body.data as { token: string }).token);
		}
		const join = (token: string) =>
			limited("POST", `/api/products/${sku}/queue`, { ip, token, vars });
		expect((await join(tokens[0] as string)).status).toBe(201);
		for (let i = 0; i < 3; i++) expect((await join(tokens[1] as string)).status).toBe(429);
		// A ticket already held is answered as before and counts nothing.
		expect((await join(tokens[0] as string)).status).toBe(200);

		const after = await stats(sku);
		expect(after.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 3 });
		expect(after.attempts).toBe(before.attempts);
		expect(rejectedTotal(after)).toBe(rejectedTotal(before));
		expect(await inSeries(sku)).toEqual({
			points: { liveFeed: 0, roomJoin: 3 },
			window: { liveFeed: 0, roomJoin: 3 },
			attempts: 0,
		});
		const restarted = await afterRestart(sku, { roomJoinAddressRefused: 3 });
		expect(restarted.addressRefusals).toEqual({ liveFeed: 0, roomJoin: 3 });
	});
});
