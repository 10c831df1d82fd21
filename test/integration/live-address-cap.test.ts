// The live feed's places per client address (MAX_LIVE_SOCKETS_PER_ADDRESS, src/shared/config.ts;
// src/inventory/live.ts): one address holds at most that many open sockets of a SKU's feed, the
// next upgrade from it is refused 429 `rate_limited` with no socket, while another address is still
// taken; a socket closed frees its address's place. Counted by the object from hibernation tags,
// so the count survives the object's sleep; on a split SKU the coordinator keeps the feed and
// counts. The workers tests run with the default bound, so the test opens that many sockets
// through the Worker, as browsers behind one address would; an IPv6 client is one address per /64
// (the client key, src/worker/client-ip.ts) (docs/decisions/128-live-feed-places-per-address.md).
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS } from "../../src/domain/bounds.ts";
import { LIVE_CLIENT_HEADER } from "../../src/inventory/live-request.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { createProduct } from "./helpers.ts";
import { liveViewers, upgrade as upgradeFrom } from "./live-viewers.ts";
import { freshIp } from "./ratelimit-support.ts";

const PER_ADDRESS = DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS;
/** Generous: a close reaches the object as an event of its own, after the client's call returns. */
const SETTLED = { timeout: 10_000, interval: 50 };

// A client naming its own tag in the header the Worker sets for the object changes nothing:
// the Worker replaces it. Every upgrade here names one.
const forged = (): Record<string, string> => ({ [LIVE_CLIENT_HEADER]: crypto.randomUUID() });
const upgrade = (sku: string, ip: string) => upgradeFrom(sku, ip, forged());
const live = liveViewers();
const viewer = (sku: string, ip: string) => live.viewer(sku, ip, forged());

/** `n` viewers from one address, opened at once as a script would. */
function viewers(sku: string, ip: string, n: number): Promise<WebSocket[]> {
	return Promise.all(Array.from({ length: n }, () => viewer(sku, ip)));
}

async function expectRefused(sku: string, ip: string): Promise<void> {
	const res = await upgrade(sku, ip);
	expect(res.status).toBe(429);
	expect(res.webSocket).toBeNull();
	expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
	const body = (await res.json()) as { error: { code: string; message: string } };
	expect(body.error.code).toBe("rate_limited");
	expect(body.error.message).toContain(`${PER_ADDRESS} live feeds`);
}

function openCount(sku: string): Promise<number> {
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
	return runInDurableObject(stub, (_: InventoryObject, state) => state.getWebSockets().length);
}

describe("the live feed's places per address", () => {
	it("refuses one address past its places while another is taken; a close frees one", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const crowd = freshIp();
		const [first] = await viewers(sku, crowd, PER_ADDRESS);
		await expectRefused(sku, crowd);
		await viewer(sku, freshIp());

		first?.close(1000, "leaving");
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(PER_ADDRESS), SETTLED);
		await viewer(sku, crowd);
		await expectRefused(sku, crowd);
	});

	it("keeps counting an address's sockets after the object slept", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const crowd = freshIp();
		await viewers(sku, crowd, PER_ADDRESS);
		await evictDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), {
			webSockets: "hibernate",
		});
		await expectRefused(sku, crowd);
		await viewer(sku, freshIp());
	});

	it("counts the addresses of one IPv6 /64 as one client, as every per-address limit does", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const hex = crypto.randomUUID().replace(/-/g, "");
		const line = `2001:db8:${hex.slice(0, 4)}:${hex.slice(4, 8)}`;
		// A new source address per connection, as privacy extensions take them.
		await Promise.all(
			Array.from({ length: PER_ADDRESS }, (_, i) =>
				viewer(sku, `${line}::${(i + 1).toString(16)}`),
			),
		);
		await expectRefused(sku, `${line}:ffff:1:2:3`);
		await viewer(sku, freshIp());
	});

	it("counts on a split SKU's coordinator, which keeps the feed", async () => {
		const sku = await createProduct({ totalStock: 8, shards: 4 });
		const crowd = freshIp();
		await viewers(sku, crowd, PER_ADDRESS);
		await expectRefused(sku, crowd);
		await viewer(sku, freshIp());
	});
});
