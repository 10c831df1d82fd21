// A live socket's own messages, bounded (src/inventory/live-asks.ts,
// docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md): every message but the
// keep-alive wakes the SKU's object, so a socket may ask LIVE_ASKS.burst times at once (then one
// every LIVE_ASKS.refillMs); the message past that closes it with 4429, and its address is refused
// new sockets for a few seconds. The keep-alive, answered by the runtime, never counts; the count survives the
// object's hibernation. Viewers come through the Worker as browsers do.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	floodCloseReason,
	LIVE_ASKS,
	LIVE_FLOOD_CLOSE_CODE,
} from "../../src/inventory/live-asks.ts";
import { LIVE_KEEPALIVE } from "../../src/shared/live-keepalive.ts";
import { createProduct } from "./helpers.ts";
import { liveViewers, upgrade } from "./live-viewers.ts";
import { stubOf } from "./objects.ts";

const live = liveViewers();
const LIVE_ASK_BURST = LIVE_ASKS.burst;

/** How `ws` is closed. */
function closing(ws: WebSocket): Promise<{ code: number; reason: string }> {
	return new Promise((resolve) =>
		ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }), {
			once: true,
		}),
	);
}

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

const isState = (d: string) => d.includes('"availability"');

describe("a live socket's messages", () => {
	it("closes a socket that floods the object with 4429, naming the bound; its address waits, others are taken", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const ws = await live.viewer(sku, "198.51.100.61");
		const closed = closing(ws);
		for (let i = 0; i < 200; i++) ws.send("?");
		expect(await closed).toEqual({
			code: LIVE_FLOOD_CLOSE_CODE,
			reason: floodCloseReason(LIVE_ASKS),
		});
		// Its address cannot come straight back with a new socket...
		const refused = await upgrade(sku, "198.51.100.61");
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toBe("5");
		const body = (await refused.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("rate_limited");
		expect(body.error.message).toContain("sent more messages than it takes");
		// ...while another address is taken, and the object answers as before.
		const other = await live.viewer(sku, "198.51.100.64");
		const state = nextMessage(other, isState);
		other.send("ping");
		expect(JSON.parse(await state)).toMatchObject({ type: "availability", sku, available: 3 });
	});

	it("never counts the keep-alive: a socket that sent many keeps its asks", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const ws = await live.viewer(sku, "198.51.100.62");
		let closedCode: number | null = null;
		ws.addEventListener("close", (e) => {
			closedCode = e.code;
		});
		for (let i = 0; i < 50; i++) {
			const kept = nextMessage(ws, (d) => d.includes('"keepalive"'));
			ws.send(LIVE_KEEPALIVE);
			await kept;
		}
		// The burst, all of it: answered (once, at the end of the feed's interval), not closed.
		const answered = nextMessage(ws, isState);
		for (let i = 0; i < LIVE_ASK_BURST; i++) ws.send("ping");
		expect(JSON.parse(await answered)).toMatchObject({ type: "availability", sku });
		const kept = nextMessage(ws, (d) => d.includes('"keepalive"'));
		ws.send(LIVE_KEEPALIVE);
		await kept;
		expect(closedCode).toBeNull();
	});

	it("keeps a socket's count across the object's hibernation", async () => {
		const sku = await createProduct({ totalStock: 2 });
		const ws = await live.viewer(sku, "198.51.100.63");
		const closed = closing(ws);
		const answered = nextMessage(ws, isState);
		for (let i = 0; i < LIVE_ASK_BURST; i++) ws.send("ping");
		await answered;
		await evictDurableObject(stubOf(sku), { webSockets: "hibernate" });
		// As many again: a count the sleep forgot would take them all (one regained a second).
		for (let i = 0; i < LIVE_ASK_BURST; i++) ws.send("again");
		expect((await closed).code).toBe(LIVE_FLOOD_CLOSE_CODE);
	});
});
