// An operator's keyed reset survives `kill -9` of `npm start` (docs/decisions/081-reset-idempotency-key.md):
// the key's record is written in the reset's own transaction, so after a restart on the same
// state directory the same key answers the first reset's answer and resets nothing, on one
// object and on a SKU split across shards, and the same key for another SKU is still refused.
import { afterAll, describe, expect, it } from "vitest";
import type { AuditEvent, Product, Stats } from "../../src/shared/types.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

const STOCK = 12;
const SHARDS = 4;

describe("a keyed reset across kill -9 and a restart", () => {
	let server: TestServer | undefined;
	// The first server owns the state directory: the file's teardown removes it with that server
	// (test/support/node-setup.ts), whichever one is running at the end.
	afterAll(async () => {
		await server?.dispose();
	});

	it("answers its repeat as before the crash and resets nothing", async () => {
		server = await startServer();
		const s = server;
		const skus = [1, SHARDS].map((shards) => ({
			shards,
			sku: `RKEY-${shards}-${crypto.randomUUID().slice(0, 8)}`,
			key: crypto.randomUUID(),
		}));
		const hold = async (srv: TestServer, sku: string, n: number) => {
			for (let i = 0; i < n; i++) {
				const token = await newBuyer(srv);
				const r = await api(srv, "POST", "/api/reservations", { token, body: { sku } });
				expect(r.status).toBe(201);
			}
		};
		const reset = (srv: TestServer, sku: string, key: string) =>
			api<Product>(srv, "POST", `/api/admin/products/${sku}/reset`, {
				token: srv.adminToken,
				headers: { "idempotency-key": key },
			});
		const answers = new Map<string, unknown>();
		for (const { sku, shards, key } of skus) {
			const created = await api(s, "POST", "/api/admin/products", {
				token: s.adminToken,
				body: {
					sku,
					name: "Keyed reset",
					priceCents: 100,
					currency: "USD",
					totalStock: STOCK,
					shards,
				},
			});
			expect(created.status).toBe(201);
			await hold(s, sku, 5);
			const first = await reset(s, sku, key);
			expect(first.status).toBe(200);
			answers.set(sku, first.body.data);
		}

		await s.crash();
		server = await s.restart();
		const after = server;

		for (const { sku, shards, key } of skus) {
			await hold(after, sku, 2);
			const repeat = await reset(after, sku, key);
			expect(repeat.status).toBe(200);
			expect(repeat.body.data).toEqual(answers.get(sku));
			const stats = await api<Stats>(after, "GET", `/api/admin/products/${sku}/stats`, {
				token: after.adminToken,
			});
			expect(stats.body.data).toMatchObject({ reserved: 2, available: STOCK - 2 });
			const trail = await api<{ events: AuditEvent[] }>(
				after,
				"GET",
				`/api/admin/products/${sku}/events?limit=1000`,
				{ token: after.adminToken },
			);
			const resets = (trail.body.data?.events ?? []).filter((e) => e.type === "inventory.reset");
			expect(resets).toHaveLength(shards);
			for (const e of resets) expect(e.detail?.idempotencyKey).toBe(key);
		}
		// The registry remembers too: the first SKU's key is refused for the second.
		const [one, split] = skus as [(typeof skus)[0], (typeof skus)[0]];
		const crossed = await reset(after, split.sku, one.key);
		expect(crossed.status).toBe(400);
		expect(crossed.body.error?.code).toBe("invalid_request");
	});
});
