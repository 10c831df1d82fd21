// The window decision 118 left (docs/decisions/118-split-settings-owed.md, "Not done"), measured:
// after a `kill -9` that cut an operator's PATCH of a SKU split across 32 shards between the
// coordinator (shard 0) and the other shards, and a restart on the same state, can a shard take a
// hold at the old settings before the coordinator's alarm re-sends them? Buyers on every shard that
// had not taken the new price reserve the moment the server is up, all at once.
//
// None does, and not by luck (docs/decisions/124-a-split-reset-owed.md, "The settings' window
// after a restart"): a restarted Worker knows no SKU's shard count, so its first reserve of the SKU
// goes to the coordinator, which answers "misrouted" and so is loaded, and a coordinator that owes
// its shards something arms its alarm at once when it loads; its alarm, due since before the kill,
// is run as soon as the runtime is up. This test keeps that so: a change that let a shard decide
// before the coordinator has loaded after a restart fails it.
//
// The cut is found as in split-reset-crash.test.ts: cold shards, the coordinator's file watched,
// the kill the moment the new price is committed there; a round in which every shard already had
// it is run again on a new SKU.

import { afterAll, describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { readOnly } from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { killWhenCommitted, shardBuyer, shardFiles } from "../support/split-cut.ts";

const SHARDS = 32;
const BUYERS = 64;
const MAX_ROUNDS = 3;
const OLD_PRICE = 1000;
const NEW_PRICE = 2000;
const PATCH_SEEN_WITHIN_MS = 15_000;

/** The price in an object's stored product (its state row). */
function priceIn(path: string): number {
	const db = readOnly(path);
	try {
		const row = db.prepare("SELECT snapshot FROM state WHERE id = 1").get() as { snapshot: string };
		return (JSON.parse(row.snapshot) as { product: { priceCents: number } }).product.priceCents;
	} finally {
		db.close();
	}
}

describe("a shard after a PATCH cut by kill -9 and a restart", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("takes no hold at the old settings, reserving the moment the server is up", async () => {
		server = await startServer();
		let exercised = false;
		for (let round = 1; round <= MAX_ROUNDS && !exercised; round++) {
			const live: TestServer = server;
			const sku = `SSW-${crypto.randomUUID().slice(0, 8)}`;
			const created = await api(live, "POST", "/api/admin/products", {
				token: live.adminToken,
				body: {
					sku,
					name: "Split PATCH cut short",
					priceCents: OLD_PRICE,
					currency: "USD",
					totalStock: BUYERS * 4,
					perUserLimit: 4,
					holdSeconds: 3600,
					shards: SHARDS,
				},
			});
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			const buyers = await Promise.all(
				Array.from({ length: BUYERS }, () => shardBuyer(live, SHARDS)),
			);
			// Cold shards: after this restart the PATCH's calls wait for each shard to load.
			await live.stop();
			const files = shardFiles(live.stateDir, sku);
			expect(files.size).toBe(SHARDS);
			const warm = await live.restart();
			server = warm;
			const seen = await killWhenCommitted(
				warm,
				files.get(0) as string,
				(db) =>
					(
						JSON.parse(
							(db.prepare("SELECT snapshot FROM state WHERE id = 1").get() as { snapshot: string })
								.snapshot,
						) as { product: { priceCents: number } }
					).product.priceCents === NEW_PRICE,
				() =>
					api(warm, "PATCH", `/api/admin/products/${sku}`, {
						token: warm.adminToken,
						body: { priceCents: NEW_PRICE },
					}),
				PATCH_SEEN_WITHIN_MS,
			);
			const behind = new Set(
				[...files.entries()]
					.filter(([i, path]) => i !== 0 && priceIn(path) === OLD_PRICE)
					.map(([i]) => i),
			);
			exercised = seen && priceIn(files.get(0) as string) === NEW_PRICE && behind.size > 0;
			const up = await warm.restart();
			server = up;
			if (!exercised) continue;
			// At once, on every shard that was behind: the coordinator's alarm may not have run yet.
			const late = buyers.filter((b) => behind.has(b.shard));
			expect(late.length).toBeGreaterThan(0);
			const holds = await Promise.all(
				late.map(async (b) => {
					const res = await api<Reservation>(up, "POST", "/api/reservations", {
						token: b.token,
						body: { sku },
					});
					expect(res.status, JSON.stringify(res.body)).toBe(201);
					return { shard: b.shard, priceCents: (res.body.data as Reservation).priceCents };
				}),
			);
			const old = holds.filter((h) => h.priceCents !== NEW_PRICE);
			expect(
				old,
				`round ${round}: ${old.length} of ${holds.length} holds on ${behind.size} shards that were behind took the old price`,
			).toEqual([]);
		}
		expect(
			exercised,
			`no round of ${MAX_ROUNDS} killed the server between the coordinator's PATCH and its shards'`,
		).toBe(true);
	});
});
