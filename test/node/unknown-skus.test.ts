// Unknown SKUs are answered at the edge from the catalogue (src/worker/catalogue.ts):
// 1,000 requests for random SKUs, over every kind of route that names a SKU,
// instantiate no object — locally, no new SQLite file under the state directory.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { objectFiles } from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const REQUESTS = 1000;
const IN_FLIGHT = 16;
/** Generous: the ledger flushes at most every 2 s. */
const LEDGER_DEADLINE_MS = 30_000;
/** Sessions hash to one of two shards: this many all missing shard 1 happens once in 2^64. */
const SESSIONS_TO_FIND_SHARD_1 = 64;

function sqliteFiles(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) out.push(...sqliteFiles(path));
		else if (entry.endsWith(".sqlite")) out.push(path);
	}
	return out.sort();
}

function randomSku(): string {
	return `FUZZ-${Math.random().toString(36).slice(2, 10)}-${Date.now().toString(36)}`;
}

describe("random unknown SKUs", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it("create no object and no file, on any route", async () => {
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		const token = session.body.data?.token ?? "";
		const admin = server.adminToken;
		// Every route below, once on a real SKU first: whatever it creates for itself (the
		// session's cost ledger object) exists before the count.
		const known = `KNOWN-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: admin,
			body: { sku: known, name: "Known", priceCents: 100, currency: "USD", totalStock: 10 },
		});
		expect(created.status).toBe(201);
		type Req = [method: string, path: string, options: Parameters<typeof api>[3]];
		const routes = (sku: string, i: number): Req[] => [
			["GET", `/api/products/${sku}/availability`, { token }],
			["POST", "/api/reservations", { token, body: { sku } }],
			["GET", `/api/admin/products/${sku}/events`, { token: admin }],
			["GET", `/api/products/${sku}`, {}],
			["POST", "/api/reservations", { token, body: { sku, mode: "eventual" } }],
			["GET", `/api/reservations/rsv_0~${sku}`, { token }],
			["DELETE", `/api/reservations/rsv_0~${sku}`, { token }],
			[
				"POST",
				"/api/checkout",
				{
					token,
					body: { reservationId: `rsv_0~${sku}`, paymentMethod: "pm_card_visa" },
					headers: { "idempotency-key": `fuzz-${i}` },
				},
			],
			["GET", `/api/orders/ord_0~${sku}`, { token }],
			["GET", `/api/admin/products/${sku}/stats`, { token: admin }],
			["GET", `/api/admin/products/${sku}/metrics`, { token: admin }],
			["PATCH", `/api/admin/products/${sku}`, { token: admin, body: { name: "x" } }],
			["POST", `/api/admin/products/${sku}/reset`, { token: admin }],
		];
		const warm = routes(known, -1);
		for (const [method, path, options] of warm) await api(server, method, path, options);
		// The session's cost ledger group is written on the ledger's next flush (worker/cost/ledger.ts).
		const ledgerDeadline = Date.now() + LEDGER_DEADLINE_MS;
		while (objectFiles(server.stateDir, "CostLedgerGroupObject").length === 0) {
			if (Date.now() > ledgerDeadline) throw new Error("the session's ledger was never written");
			await sleep(100);
		}

		const filesBefore = sqliteFiles(server.stateDir);
		const objectsBefore = objectFiles(server.stateDir, "InventoryObject").length;
		const statuses = new Map<number, number>();
		let next = 0;
		await Promise.all(
			Array.from({ length: IN_FLIGHT }, async () => {
				for (let i = next++; i < REQUESTS; i = next++) {
					const all = routes(randomSku(), i);
					const [method, path, options] = all[i % all.length] as Req;
					const res = await api(server, method, path, options);
					statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
					if (res.status !== 404) throw new Error(`${method} ${path}: ${res.status}`);
				}
			}),
		);
		expect(Object.fromEntries(statuses)).toEqual({ 404: REQUESTS });
		expect(objectFiles(server.stateDir, "InventoryObject")).toHaveLength(objectsBefore);
		expect(sqliteFiles(server.stateDir)).toEqual(filesBefore);
	});

	it("create no object for an id whose shard suffix the SKU does not have", async () => {
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		const token = session.body.data?.token ?? "";
		const product = (sku: string, shards: number) =>
			api(server, "POST", "/api/admin/products", {
				token: server.adminToken,
				body: { sku, name: "Split", priceCents: 100, currency: "USD", totalStock: 10, shards },
			});
		const single = `ONE-${crypto.randomUUID().slice(0, 8)}`;
		const split = `TWO-${crypto.randomUUID().slice(0, 8)}`;
		expect((await product(single, 1)).status).toBe(201);
		expect((await product(split, 2)).status).toBe(201);
		// A real shard-1 id of the split SKU (a hold of a buyer its hash puts there) still reaches it.
		let held: string | undefined;
		for (let i = 0; i < SESSIONS_TO_FIND_SHARD_1 && held === undefined; i++) {
			const buyer = await api<{ token: string; sessionId: string }>(
				server,
				"POST",
				"/api/sessions",
				{
					body: { turnstileToken: server.debugToken },
				},
			);
			if (shardOf(buyer.body.data?.sessionId ?? "", 2) !== 1) continue;
			const res = await api<{ reservationId: string }>(server, "POST", "/api/reservations", {
				token: buyer.body.data?.token,
				body: { sku: split },
			});
			held = res.body.data?.reservationId;
			expect(held).toMatch(new RegExp(`~${split}~1$`));
			const read = await api(server, "GET", `/api/reservations/${held}`, {
				token: buyer.body.data?.token,
			});
			expect(read.status).toBe(200);
		}
		expect(held, "a buyer on shard 1").toBeDefined();

		const objectsBefore = objectFiles(server.stateDir, "InventoryObject").length;
		const made: [string, string][] = [];
		for (const suffix of [1, 2, 5, 63]) made.push([single, `~${single}~${suffix}`]);
		for (const suffix of [2, 3, 64]) made.push([split, `~${split}~${suffix}`]);
		for (const [, owner] of made) {
			for (const [method, path, options] of [
				["GET", `/api/reservations/rsv_0${owner}`, { token }],
				["DELETE", `/api/reservations/rsv_0${owner}`, { token }],
				["GET", `/api/orders/ord_0${owner}`, { token }],
				[
					"POST",
					"/api/checkout",
					{
						token,
						body: { reservationId: `rsv_0${owner}`, paymentMethod: "pm_card_visa" },
						headers: { "idempotency-key": crypto.randomUUID() },
					},
				],
			] as [string, string, Parameters<typeof api>[3]][]) {
				const res = await api(server, method, path, options);
				expect(res.status, `${method} ${path}`).toBe(404);
				expect(res.body.error?.code).toBe("not_found");
			}
		}
		// Sessions' cost ledgers may still be written meanwhile: the SKU objects are what is counted.
		expect(objectFiles(server.stateDir, "InventoryObject")).toHaveLength(objectsBefore);
	});
});
