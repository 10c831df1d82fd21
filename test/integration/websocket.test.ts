// The live feed (docs/api.md, GET /api/products/:sku/live) through the Worker's
// own fetch, as a browser would reach it: availability on connect, then an
// update after every change.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { Availability } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;
/** Generous: the feed coalesces changes into at most ~10 messages a second. */
const MESSAGE_TIMEOUT_MS = 5_000;

type LiveMessage = {
	type: string;
	perUserLimit?: number;
	availability?: Availability;
} & Availability;

/** Opens the feed and queues what arrives, so no message is lost between awaits. */
interface Feed {
	ws: WebSocket;
	next(): Promise<LiveMessage>;
	/** Reads until a message matches; every message on the way must keep the invariant. */
	until(match: (m: LiveMessage) => boolean): Promise<LiveMessage>;
}

async function connect(sku: string, query = ""): Promise<Feed> {
	const res = await worker.fetch(
		new Request(`http://rg.test/api/products/${sku}/live${query}`, {
			headers: { upgrade: "websocket" },
		}),
	);
	expect(res.status).toBe(101);
	const ws = res.webSocket;
	if (ws === null) throw new Error("no WebSocket in the 101 response");
	const queue: LiveMessage[] = [];
	const waiters: ((m: LiveMessage) => void)[] = [];
	ws.addEventListener("message", (event) => {
		const message = JSON.parse(String(event.data)) as LiveMessage;
		const waiter = waiters.shift();
		if (waiter) waiter(message);
		else queue.push(message);
	});
	ws.accept();
	const next = (): Promise<LiveMessage> => {
		const ready = queue.shift();
		if (ready) return Promise.resolve(ready);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error("no live message in time")),
				MESSAGE_TIMEOUT_MS,
			);
			waiters.push((m) => {
				clearTimeout(timer);
				resolve(m);
			});
		});
	};
	const until = async (match: (m: LiveMessage) => boolean): Promise<LiveMessage> => {
		for (;;) {
			const m = await next();
			// available is total − reserved − sold by construction (src/domain/inventory.ts).
			if (m.type === "availability") expect(m.available).toBeGreaterThanOrEqual(0);
			if (match(m)) return m;
		}
	};
	return { ws, next, until };
}

describe("GET /api/products/:sku/live", () => {
	for (const shards of [1, 2]) {
		it(`sends the product after a PATCH to sockets opened ?with=product only (shards: ${shards})`, async () => {
			const sku = uniqueSku("LIVEP");
			const created = await call("POST", "/api/admin/products", {
				token: ADMIN,
				body: {
					sku,
					name: "Test drop",
					priceCents: 1000,
					currency: "USD",
					totalStock: 4,
					perUserLimit: 2,
					shards,
				},
			});
			expect(created.status).toBe(201);
			const plain = await connect(sku);
			const tagged = await connect(sku, "?with=product");
			await plain.next();
			await tagged.next();
			const patched = await call("PATCH", `/api/admin/products/${sku}`, {
				token: ADMIN,
				body: { perUserLimit: 1, name: "Renamed" },
			});
			expect(patched.status).toBe(200);
			const product = await tagged.until((m) => m.type === "product");
			expect(product).toMatchObject({
				sku,
				name: "Renamed",
				perUserLimit: 1,
				totalStock: 4,
				availability: { sku, total: 4, available: 4 },
			});
			// A socket that did not ask sees availability only, up to a change after the PATCH.
			const token = await newSession();
			expect((await call("POST", "/api/reservations", { token, body: { sku } })).status).toBe(201);
			const types: string[] = [];
			await plain.until((m) => {
				types.push(m.type);
				return m.reserved > 0;
			});
			expect(new Set(types)).toEqual(new Set(["availability"]));
			plain.ws.close(1000, "done");
			tagged.ws.close(1000, "done");
		});
	}

	for (const [shards, keyed] of [
		[1, false],
		[2, false],
		[1, true],
		[2, true],
	] as const) {
		it(`sends the product after a ${keyed ? "keyed " : ""}reset to sockets opened ?with=product, its holds gone (shards: ${shards})`, async () => {
			const sku = uniqueSku("LIVER");
			const created = await call("POST", "/api/admin/products", {
				token: ADMIN,
				body: { sku, name: "Test drop", priceCents: 1000, currency: "USD", totalStock: 4, shards },
			});
			expect(created.status).toBe(201);
			const token = await newSession();
			expect((await call("POST", "/api/reservations", { token, body: { sku } })).status).toBe(201);
			const tagged = await connect(sku, "?with=product");
			await tagged.until((m) => m.type === "availability" && m.reserved === 1);
			// The console keys every reset (docs/decisions/081-reset-idempotency-key.md).
			const reset = await call("POST", `/api/admin/products/${sku}/reset`, {
				token: ADMIN,
				...(keyed ? { headers: { "idempotency-key": crypto.randomUUID() } } : {}),
			});
			expect(reset.status, JSON.stringify(reset.body)).toBe(200);
			// A storefront holding a unit learns of the reset from this message even when the
			// units it freed are taken again before the next availability (useHoldCheck.ts).
			const product = await tagged.until((m) => m.type === "product");
			expect(product).toMatchObject({
				sku,
				totalStock: 4,
				availability: { sku, total: 4, available: 4, reserved: 0, sold: 0 },
			});
			tagged.ws.close(1000, "done");
		});
	}

	it("sends availability on connect and an update after a reservation and a cancel", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const live = await connect(sku);
		const first = await live.next();
		expect(first).toMatchObject({
			type: "availability",
			sku,
			total: 5,
			available: 5,
			reserved: 0,
			sold: 0,
		});

		const token = await newSession();
		const hold = await call<{ reservationId: string }>("POST", "/api/reservations", {
			token,
			body: { sku, quantity: 2 },
		});
		expect(hold.status).toBe(201);
		// The product's creation may still be announced after connecting: read on to the hold.
		const update = await live.until((m) => m.reserved > 0);
		expect(update).toMatchObject({
			type: "availability",
			sku,
			total: 5,
			available: 3,
			reserved: 2,
		});

		await call("DELETE", `/api/reservations/${hold.body.data?.reservationId}`, { token });
		const back = await live.until((m) => m.reserved === 0);
		expect(back).toMatchObject({ type: "availability", available: 5, reserved: 0 });
		live.ws.close(1000, "done");
	});

	it("keeps the socket across a hibernation of the object (hibernation API)", async () => {
		const sku = await createProduct({ totalStock: 6 });
		const live = await connect(sku);
		await live.next();
		await evictDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), {
			webSockets: "hibernate",
		});
		const token = await newSession();
		expect((await call("POST", "/api/reservations", { token, body: { sku } })).status).toBe(201);
		expect(await live.until((m) => m.reserved > 0)).toMatchObject({
			sku,
			available: 5,
			reserved: 1,
		});
		live.ws.close(1000, "done");
	});

	it("answers a client message with the current availability", async () => {
		const sku = await createProduct({ totalStock: 4 });
		const live = await connect(sku);
		await live.next();
		live.ws.send("ping");
		expect(await live.next()).toMatchObject({ type: "availability", sku, available: 4 });
		live.ws.send("again");
		expect(await live.next()).toMatchObject({ type: "availability", sku, available: 4 });
		live.ws.close(1000, "done");
	});

	it("refuses an unknown SKU with 404 unknown_sku before upgrading", async () => {
		const res = await worker.fetch(
			new Request("http://rg.test/api/products/NOPE-none/live", {
				headers: { upgrade: "websocket" },
			}),
		);
		expect(res.status).toBe(404);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_sku");
	});

	it("refuses a `with` other than product, once, with 400 naming it before upgrading", async () => {
		const sku = await createProduct({ totalStock: 2 });
		for (const query of [
			"?with=products",
			"?with=product,availability",
			"?with=product&with=product",
			"?with=nope",
			"?with=",
		]) {
			const res = await worker.fetch(
				new Request(`http://rg.test/api/products/${sku}/live${query}`, {
					headers: { upgrade: "websocket" },
				}),
			);
			expect(res.status, query).toBe(400);
			expect(res.webSocket, query).toBeNull();
			const { error } = (await res.json()) as { error: { code: string; message: string } };
			expect(error.code, query).toBe("invalid_request");
			expect(error.message, query).toContain('with: must be "product"');
		}
		// Without the parameter and with `with=product` the feed opens as before.
		for (const query of ["", "?with=product"]) {
			const live = await connect(sku, query);
			expect(await live.next()).toMatchObject({ type: "availability", sku, available: 2 });
			live.ws.close(1000, "done");
		}
	});
});

describe("the live feed and a late expiry alarm", () => {
	it("never shows an expired hold as reserved, on connect or when asked, though the alarm has not run", async () => {
		const sku = await createProduct({ totalStock: 3, holdSeconds: 60 });
		const token = await newSession();
		const hold = await call<{ reservationId: string; expiresAt: string }>(
			"POST",
			"/api/reservations",
			{ token, body: { sku } },
		);
		expect(hold.status).toBe(201);
		const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
		// The alarm is late: taken away, so only lazy expiry is left.
		await runInDurableObject(stub, async (_: InventoryObject, state) => {
			await state.storage.deleteAlarm();
		});
		const watching = await connect(sku);
		await watching.until((m) => m.reserved === 1);
		// The clock of this isolate (the object's too) moves past expiresAt: no waiting.
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			vi.setSystemTime(Date.parse(hold.body.data?.expiresAt ?? "") + 1_000);
			// A viewer who asks gets the state with the hold expired...
			watching.ws.send("ping");
			expect(await watching.next()).toMatchObject({ sku, available: 3, reserved: 0 });
			watching.ws.close(1000, "done");
			// ...and so does one who connects now.
			const live = await connect(sku);
			expect(await live.next()).toMatchObject({ sku, available: 3, reserved: 0 });
			live.ws.close(1000, "done");
		} finally {
			vi.useRealTimers();
		}
	});
});
