// The live feed's idle places (docs/decisions/139-the-live-feeds-idle-places.md): a socket that
// sent nothing for the idle bound (no keep-alive, no ask) is closed with 4408 when its place is
// wanted (an upgrade at the feed's bound or at its address's), and only then: a broadcast keeps
// it (docs/decisions/148-a-listen-only-feed-kept.md), while one that sent the keep-alive keeps
// its place at a bound too. The keep-alive is answered by the runtime (the
// object's auto-response, src/inventory/live-object-feed.ts objectLiveFeed), and its time survives the object's
// hibernation. Viewers come through the Worker as browsers do; the feed that decides is built on
// the real object's state with small bounds and a clock set just short of the keep-alive's
// bound (the workers tests run every object with the defaults), as test/integration/live-bound.test.ts does.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_LIVE_IDLE_SECONDS } from "../../src/domain/bounds.ts";
import { LiveFeed } from "../../src/inventory/live.ts";
import { LIVE_CLIENT_HEADER } from "../../src/inventory/live-request.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { LIVE_IDLE_CLOSE_CODE, LIVE_KEEPALIVE } from "../../src/shared/live-keepalive.ts";
import { createProduct } from "./helpers.ts";
import { liveViewers } from "./live-viewers.ts";
import { stubOf } from "./objects.ts";

const IDLE_MS = 60_000;
/** Generous: a close reaches the object as an event of its own, after the client's call returns. */
const SETTLED = { timeout: 10_000, interval: 50 };
const live = liveViewers();

/** The next message on `ws` that `match` takes. */
function nextMessage(ws: WebSocket, match: (data: string) => boolean): Promise<string> {
	return new Promise((resolve) => {
		const on = (event: MessageEvent) => {
			if (typeof event.data !== "string" || !match(event.data)) return;
			ws.removeEventListener("message", on);
			resolve(event.data);
		};
		ws.addEventListener("message", on);
	});
}

/** The close code `ws` is closed with. */
function closedWith(ws: WebSocket): Promise<number> {
	return new Promise((resolve) =>
		ws.addEventListener("close", (event) => resolve(event.code), { once: true }),
	);
}

/** Sends the keep-alive and waits for the runtime's answer, which names the object's bound. */
async function keepAlive(ws: WebSocket): Promise<unknown> {
	const answer = nextMessage(ws, (d) => d.includes('"keepalive"'));
	ws.send(LIVE_KEEPALIVE);
	return JSON.parse(await answer);
}

/** Sockets accepted by the feeds built inside the object: closed from inside it. */
const inside: WebSocket[] = [];

/**
 * One upgrade to a feed on the object's own state with the given bounds and IDLE_MS, its clock
 * `sinceKeptMs` (by default just short of IDLE_MS) after the latest keep-alive the runtime answered (a socket kept alive
 * then is not idle; one last heard before it is). `fromTheirAddress`: the upgrade comes from the
 * open sockets' address (the tag the Worker gave them), else from none.
 */
function acceptInside(
	sku: string,
	bounds: { sockets: number; perAddress: number },
	fromTheirAddress = false,
	sinceKeptMs = IDLE_MS - 1,
) {
	return runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
		const sockets = state.getWebSockets();
		const times = sockets.map((ws) => state.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0);
		const keptMs = Math.max(...times);
		const feed = new LiveFeed(
			state,
			() => null,
			{ ...bounds, idleMs: IDLE_MS },
			() => keptMs + sinceKeptMs,
		);
		const headers: Record<string, string> = { upgrade: "websocket" };
		const tag = sockets.flatMap((ws) => state.getTags(ws)).find((t) => t.startsWith("address:"));
		if (fromTheirAddress && tag !== undefined)
			headers[LIVE_CLIENT_HEADER] = tag.slice("address:".length);
		const res = feed.accept(new Request(`http://rg.test/api/products/${sku}/live`, { headers }));
		if (res.webSocket !== null) {
			res.webSocket.accept();
			inside.push(res.webSocket);
		}
		return { status: res.status, keptAlive: times.filter((t) => t > 0).length, feed };
	});
}

function openCount(sku: string): Promise<number> {
	return runInDurableObject(stubOf(sku), (_: InventoryObject, s) => s.getWebSockets().length);
}

function closeInside(sku: string): Promise<void> {
	return runInDurableObject(stubOf(sku), () => {
		for (const ws of inside.splice(0)) ws.close(1000, "done");
	});
}

/** A silent viewer from `silentIp`, then, a little later, one from `keptIp` that sends the keep-alive. */
async function silentThenKept(sku: string, silentIp: string, keptIp: string) {
	const silent = await live.viewer(sku, silentIp);
	const silentClosed = closedWith(silent);
	// Later than the silent one's upgrade by a margin the object's clock sees.
	await new Promise((r) => setTimeout(r, 30));
	const kept = await live.viewer(sku, keptIp);
	const answer = await keepAlive(kept);
	return { silent, silentClosed, kept, answer };
}

/** `ws` still has its socket: a message is answered with the state. */
async function answered(ws: WebSocket, sku: string): Promise<void> {
	const state = nextMessage(ws, (d) => d.includes('"availability"'));
	ws.send("ping");
	expect(JSON.parse(await state)).toMatchObject({ type: "availability", sku });
}

describe("the live feed's idle places", () => {
	it("at the feed's bound, closes a silent socket with 4408 for the newcomer; the one kept alive stays, across hibernation", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const { silentClosed, kept, answer } = await silentThenKept(
			sku,
			"198.51.100.1",
			"198.51.100.2",
		);
		// The runtime answered, naming the object's bound.
		expect(answer).toEqual({ type: "keepalive", idleSeconds: DEFAULT_LIVE_IDLE_SECONDS });
		// The object sleeps: the keep-alive's time must be the runtime's, not the object's memory.
		await evictDurableObject(stubOf(sku), { webSockets: "hibernate" });

		const got = await acceptInside(sku, { sockets: 2, perAddress: 2 });
		expect({ status: got.status, keptAlive: got.keptAlive }).toEqual({ status: 101, keptAlive: 1 });
		expect(await silentClosed).toBe(LIVE_IDLE_CLOSE_CODE);
		await answered(kept, sku);
		await vi.waitFor(async () => expect(await openCount(sku)).toBe(2), SETTLED);
		await closeInside(sku);
	});

	it("at the address's bound, closes that address's silent socket and takes its next", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const ip = "198.51.100.7";
		const { silentClosed, kept } = await silentThenKept(sku, ip, ip);

		const got = await acceptInside(sku, { sockets: 100, perAddress: 2 }, true);
		expect(got.status).toBe(101);
		expect(await silentClosed).toBe(LIVE_IDLE_CLOSE_CODE);
		await answered(kept, sku);
		await closeInside(sku);
	});

	it("refuses as before when every socket at the bound was heard from within the idle bound", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const first = await live.viewer(sku, "198.51.100.3");
		const second = await live.viewer(sku, "198.51.100.4");
		await keepAlive(first);
		await keepAlive(second);
		// Half the bound after the later keep-alive: both were heard within it.
		const got = await acceptInside(sku, { sockets: 2, perAddress: 2 }, false, IDLE_MS / 2);
		expect(got.status).toBe(503);
		await answered(first, sku);
		await answered(second, sku);
	});

	it("keeps a silent socket while no place is wanted: a broadcast reaches the listen-only client", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const { silent, silentClosed, kept } = await silentThenKept(
			sku,
			"198.51.100.5",
			"198.51.100.6",
		);
		// A state the object never had (one unit reserved), so its message is the broadcast's.
		const marked = nextMessage(silent, (d) => d.includes('"available":1,'));
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			const times = state
				.getWebSockets()
				.map((ws) => state.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0);
			const keptMs = Math.max(...times);
			const snapshot = () => ({
				sku,
				total: 2,
				available: 1,
				reserved: 1,
				sold: 0,
				status: "live" as const,
				asOf: new Date(keptMs).toISOString(),
			});
			// The silent socket is past the idle bound on this feed's clock; the kept one is not.
			const feed = new LiveFeed(
				state,
				snapshot,
				{ sockets: 100, perAddress: 100, idleMs: IDLE_MS },
				() => keptMs + IDLE_MS - 1,
			);
			feed.changed();
		});
		// Whichever comes first: the change, or a close (a close before it is the defect).
		const first = await Promise.race([
			marked.then((d) => ({ message: JSON.parse(d) as unknown })),
			silentClosed.then((code) => ({ closedWith: code })),
		]);
		expect(first).toEqual({
			message: expect.objectContaining({ type: "availability", available: 1 }),
		});
		await answered(kept, sku);
		expect(await openCount(sku)).toBe(2);
	});
});
