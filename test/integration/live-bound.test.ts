// The live feed's bound (MAX_LIVE_SOCKETS, src/shared/config.ts) is a count of the SKU object's
// open sockets (src/inventory/live.ts): past it the upgrade is refused with 503 and no socket,
// and a viewer who leaves frees a place for the next, also when the object slept in between.
// The workers tests run every object with the default bound (5,000), so the feed under test is
// built on the real object's state with a bound of 2, beside viewers that came through the
// Worker: the count is workerd's own list of the object's sockets, closes included. The
// Worker's mapping of the refusal, on a server started with a small bound, is
// test/e2e/storefront-feed-bound.test.ts.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_LIVE_IDLE_SECONDS } from "../../src/domain/bounds.ts";
import { LiveFeed } from "../../src/inventory/live.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { createProduct } from "./helpers.ts";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;
const BOUND = 2;
/** Generous: a close reaches the object as an event of its own, after the client's call returns. */
const SETTLED = { timeout: 10_000, interval: 50 };

function upgrade(sku: string): Request {
	return new Request(`http://rg.test/api/products/${sku}/live`, {
		headers: { upgrade: "websocket" },
	});
}

/** A viewer through the Worker, as a browser comes: its socket and its first message. */
async function viewer(sku: string): Promise<WebSocket> {
	const res = await worker.fetch(upgrade(sku));
	expect(res.status).toBe(101);
	const ws = res.webSocket;
	if (ws === null) throw new Error("no WebSocket in the 101 response");
	const first = new Promise((resolve) => ws.addEventListener("message", resolve, { once: true }));
	ws.accept();
	await first;
	return ws;
}

/**
 * Clients of the sockets acceptBounded opened: they belong to the object's context, so they are
 * closed from inside it (closeBounded).
 */
const bounded: WebSocket[] = [];

/** One upgrade to a feed with the bound, on the object's own state: its status and the count after. */
function acceptBounded(sku: string) {
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
	return runInDurableObject(stub, (_: InventoryObject, state) => {
		const res = new LiveFeed(state, () => null, {
			sockets: BOUND,
			perAddress: BOUND,
			idleMs: DEFAULT_LIVE_IDLE_SECONDS * 1000,
		}).accept(upgrade(sku));
		if (res.webSocket !== null) {
			res.webSocket.accept();
			bounded.push(res.webSocket);
		}
		return {
			status: res.status,
			socket: res.webSocket !== null,
			open: state.getWebSockets().length,
		};
	});
}

function closeBounded(sku: string): Promise<void> {
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
	return runInDurableObject(stub, () => {
		for (const ws of bounded.splice(0)) ws.close(1000, "done");
	});
}

function openCount(sku: string): Promise<number> {
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
	return runInDurableObject(stub, (_: InventoryObject, state) => state.getWebSockets().length);
}

describe("the live feed's bound", () => {
	it("refuses the upgrade past the bound, and a viewer who leaves frees a place", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const first = await viewer(sku);
		const second = await viewer(sku);

		const full = await acceptBounded(sku);
		expect(full).toEqual({ status: 503, socket: false, open: BOUND });

		first.close(1000, "leaving");
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(BOUND - 1), SETTLED);
		const freed = await acceptBounded(sku);
		expect(freed.status).toBe(101);
		expect(freed.open).toBe(BOUND);
		// Full again: the place was taken once.
		expect((await acceptBounded(sku)).status).toBe(503);

		second.close(1000, "done");
		await closeBounded(sku);
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(0), SETTLED);
	});

	it("frees the place of a viewer who leaves while the object sleeps", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const first = await viewer(sku);
		const second = await viewer(sku);
		const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
		await evictDurableObject(stub, { webSockets: "hibernate" });

		// The close wakes the object (its webSocketClose), which lets the socket go.
		first.close(1000, "leaving");
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(BOUND - 1), SETTLED);
		const freed = await acceptBounded(sku);
		expect(freed.status).toBe(101);

		second.close(1000, "done");
		await closeBounded(sku);
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(0), SETTLED);
	});
});
