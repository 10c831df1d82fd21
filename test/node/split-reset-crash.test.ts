// An unkeyed reset of a SKU split across 32 shards, `kill -9` of the whole `npm start` process
// group after the coordinator (shard 0) committed its own reset and before every other shard had
// done theirs, then a restart on the same state (docs/decisions/124-a-split-reset-owed.md). The
// coordinator recorded the reset its shards owe in its own reset's transaction, with its alarm:
// after the restart the alarm alone (no request reaches the SKU meanwhile) has every shard that
// still held the old drop's holds reset, each shard's `inventory.reset` is on the trail once, and
// the new drop sells exactly its stock (a shard whose counters disagreed with its records would
// sell past its allotment or leave units unsold). Before, those shards kept the old holds for good.
//
// The cut is found, not staged: the shards are cold (a restart before the reset), so the
// coordinator's calls wait for each shard to load; this process watches the coordinator's SQLite
// file and kills the server the moment its holds are gone. Whether some shard still held its
// holds is read from the shards' files while the server is down; a round in which none did (a
// very fast or very slow machine) is run again on a new SKU.

import { afterAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { AuditEvent, Stats } from "../../src/shared/types.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import {
	heldIn,
	heldPerShard,
	killWhenCommitted,
	shardBuyer,
	shardFiles,
} from "../support/split-cut.ts";

const SHARDS = 32;
const STOCK = 64;
const BUYERS = 48;
const MAX_ROUNDS = 3;
/** Waits for the coordinator's reset to show in its file before a round counts as missed. */
const RESET_SEEN_WITHIN_MS = 15_000;
/** The alarm runs ~1 s after the restart; a loaded machine restarts and loads slowly. */
const FINISHED_WITHIN_MS = 30_000;

describe("kill -9 between a split SKU's reset on its coordinator and on its shards", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("the coordinator's alarm has every shard reset once after the restart, and the drop sells its stock", async () => {
		server = await startServer();
		let exercised = false;
		const missed: string[] = [];
		for (let round = 1; round <= MAX_ROUNDS && !exercised; round++) {
			const live: TestServer = server;
			const sku = `SRC-${crypto.randomUUID().slice(0, 8)}`;
			const created = await api(live, "POST", "/api/admin/products", {
				token: live.adminToken,
				body: {
					sku,
					name: "Split reset cut short",
					priceCents: 100,
					currency: "USD",
					totalStock: STOCK,
					perUserLimit: STOCK,
					holdSeconds: 3600,
					shards: SHARDS,
				},
			});
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			const buyers = await Promise.all(
				Array.from({ length: BUYERS - 1 }, () => shardBuyer(live, SHARDS)),
			);
			// One buyer on the coordinator itself: its holds going to none is how the cut is seen.
			let own = await shardBuyer(live, SHARDS);
			while (own.shard !== 0) own = await shardBuyer(live, SHARDS);
			buyers.push(own);
			for (const b of buyers) {
				const held = await api(live, "POST", "/api/reservations", {
					token: b.token,
					body: { sku },
				});
				expect(held.status, JSON.stringify(held.body)).toBe(201);
			}
			// Cold shards: after this restart the reset's calls wait for each shard to load.
			await live.stop();
			const files = shardFiles(live.stateDir, sku);
			expect(files.size).toBe(SHARDS);
			const before = heldPerShard(files);
			expect([...before.values()].reduce((a, b) => a + b, 0)).toBe(BUYERS);
			expect(before.get(0)).toBeGreaterThan(0);
			const warm = await live.restart();
			server = warm;

			const seen = await killWhenCommitted(
				warm,
				files.get(0) as string,
				(db) => heldIn(db) === 0,
				() => api(warm, "POST", `/api/admin/products/${sku}/reset`, { token: warm.adminToken }),
				RESET_SEEN_WITHIN_MS,
			);
			const down = heldPerShard(files);
			const kept = [...down.entries()].filter(([i, n]) => i !== 0 && n > 0);
			exercised = seen && (down.get(0) ?? 0) === 0 && kept.length > 0;
			missed.push(`round ${round}: reset seen ${seen}, shards that kept holds ${kept.length}`);

			const up = await warm.restart();
			server = up;
			if (!exercised) continue;
			// No request reaches the SKU: only the coordinator's alarm can finish the reset.
			const started = Date.now();
			let left = heldPerShard(files);
			while ([...left.values()].some((n) => n > 0) && Date.now() - started < FINISHED_WITHIN_MS) {
				await sleep(250);
				left = heldPerShard(files);
			}
			expect(
				Object.fromEntries([...left.entries()].filter(([, n]) => n > 0)),
				`round ${round}: holds left on shards after the restart (${kept.length} shards kept theirs at the kill)`,
			).toEqual({});

			const stats = await api<Stats>(up, "GET", `/api/admin/products/${sku}/stats`, {
				token: up.adminToken,
			});
			expect(stats.body.data).toMatchObject({ reserved: 0, available: STOCK, oversellCount: 0 });
			const trail = await api<{ events: AuditEvent[] }>(
				up,
				"GET",
				`/api/admin/products/${sku}/events?limit=1000`,
				{ token: up.adminToken },
			);
			expect(trail.status).toBe(200);
			const resets = (trail.body.data?.events ?? []).filter((e) => e.type === "inventory.reset");
			expect(resets.map((e) => e.shard ?? 0).sort((a, b) => a - b)).toEqual(
				Array.from({ length: SHARDS }, (_, i) => i),
			);

			// The new drop: every unit reaches a buyer, none twice.
			let sold = 0;
			for (let tries = 0; sold < STOCK && tries < STOCK * 3; tries++) {
				const b = buyers[tries % buyers.length] as { token: string };
				const res = await api(up, "POST", "/api/reservations", { token: b.token, body: { sku } });
				if (res.status === 201) sold += 1;
				else expect(res.status, JSON.stringify(res.body)).toBe(409);
			}
			expect(sold).toBe(STOCK);
			const last = await api(up, "POST", "/api/reservations", {
				token: (buyers[0] as { token: string }).token,
				body: { sku },
			});
			expect(last.status).toBe(409);
			const end = await api<Stats>(up, "GET", `/api/admin/products/${sku}/stats`, {
				token: up.adminToken,
			});
			expect(end.body.data).toMatchObject({ reserved: STOCK, available: 0, oversellCount: 0 });
		}
		expect(
			exercised,
			`no round of ${MAX_ROUNDS} killed the server between the coordinator's reset and its shards' (${missed.join("; ")})`,
		).toBe(true);
	});
});
