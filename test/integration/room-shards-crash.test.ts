// A waiting room on a SKU split across shards when a shard restarts before its report
// went (docs/waiting-room.md, "A SKU split across shards"): the first holds it had not
// reported yet are not lost with its memory, so a unit that comes back still lets the
// next ticket in, at once rather than when the forgotten admissions lapse; and a restarted
// shard that no request reaches is loaded by its alarm and reports what it had not
// (docs/decisions/073-room-and-escrow-after-a-restart.md). The shard's report is held back
// (as it is for a report gap after the previous one) so the restart deterministically falls
// between a change and its report.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { call, stats } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import { createRoomProduct, join, ticketOf } from "./room-support.ts";
import { buyersOnEveryShard, type ShardBuyer } from "./shards-support.ts";

const reserve = (sku: string, b: ShardBuyer) =>
	call<Reservation>("POST", "/api/reservations", { token: b.token, body: { sku } });

/** The shard sends no report for a minute (its last one "just went"): what it learns stays in its memory. */
async function holdBackReports(sku: string, index: number): Promise<void> {
	await runInDurableObject(shardStub(sku, index), (instance: InventoryObject) => {
		const link = (instance as unknown as { roomLink: { lastReportMs: number } | null }).roomLink;
		if (link === null || !("lastReportMs" in link)) throw new Error("the shard has no room link");
		link.lastReportMs = Date.now() + 60_000;
	});
}

/** The shard object restarts (its memory and timers gone), as after a crash; the next call loads it again. */
async function restart(sku: string, index: number): Promise<void> {
	await runInDurableObject(shardStub(sku, index), (_instance, state) => {
		state.abort("restarted by the test");
	}).catch(() => {});
}

describe("waiting room on a split SKU across a shard's restart", { timeout: 60_000 }, () => {
	it("a first hold the shard had not reported when it restarted still ends its admission's claim: a cancelled hold lets the next ticket in", async () => {
		const shards = 3;
		const product = await createRoomProduct(
			{ totalStock: 2, shards, perUserLimit: 1, holdSeconds: 600 },
			{ admitSeconds: 120 },
		);
		const sku = product.sku;
		// a and b on the same shard (not the coordinator's), c anywhere.
		const all = await buyersOnEveryShard(shards, 2);
		const [a, b] = all.filter((x) => x.shard === 1) as [ShardBuyer, ShardBuyer];
		const c = all.find((x) => x.shard === 2) as ShardBuyer;
		for (const x of [a, b, c]) expect((await join(sku, x)).status).toBe(201);
		expect((await ticketOf(sku, a)).state).toBe("admitted");
		expect((await ticketOf(sku, b)).state).toBe("admitted");
		expect((await ticketOf(sku, c)).state).toBe("waiting");

		// a's first hold stays unreported in shard 1's memory; then shard 1 restarts.
		await holdBackReports(sku, 1);
		const reportsBefore = (await stats(sku)).queue?.shardCalls?.reports;
		const held = await reserve(sku, a);
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		await sleep(300);
		expect((await stats(sku)).queue?.shardCalls?.reports).toBe(reportsBefore);
		await restart(sku, 1);

		// b takes the other unit after the restart, then gives it back.
		const second = await reserve(sku, b);
		expect(second.status, JSON.stringify(second.body)).toBe(201);
		expect((await ticketOf(sku, c)).state).toBe("waiting");
		const id = second.body.data?.reservationId as string;
		const cancelled = await call("DELETE", `/api/reservations/${id}`, { token: b.token });
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);

		// One unit is free and both admitted sessions took their first hold: c is next.
		await vi.waitFor(async () => expect((await ticketOf(sku, c)).state).toBe("admitted"), {
			timeout: 5000,
			interval: 100,
		});
		const s = await stats(sku);
		expect(s).toMatchObject({ reserved: 1, available: 1, oversellCount: 0 });
		expect(s.queue).toMatchObject({ admitted: 3, admittedTotal: 3, waiting: 0, lapsed: 0 });
		expect((await reserve(sku, c)).status).toBe(201);
	});

	it("a restarted shard that no request reaches still reports a cancel it had not reported: its alarm loads it", async () => {
		const shards = 3;
		const product = await createRoomProduct(
			{ totalStock: 1, shards, perUserLimit: 1, holdSeconds: 600 },
			{ admitSeconds: 120 },
		);
		const sku = product.sku;
		const all = await buyersOnEveryShard(shards, 1);
		const a = all.find((x) => x.shard === 1) as ShardBuyer;
		const b = all.find((x) => x.shard === 2) as ShardBuyer;
		for (const x of [a, b]) expect((await join(sku, x)).status).toBe(201);
		expect((await ticketOf(sku, a)).state).toBe("admitted");
		const held = await reserve(sku, a);
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		await vi.waitFor(async () => expect((await stats(sku)).reserved).toBe(1));
		// The cancel stays unreported in shard 1's memory; after the commit's own alarm has run
		// (the outbox's, 1 s), shard 1 restarts, and nothing calls it afterwards: b's reads go
		// to the coordinator, and no stats are read.
		await holdBackReports(sku, 1);
		const id = held.body.data?.reservationId as string;
		const cancelled = await call("DELETE", `/api/reservations/${id}`, { token: a.token });
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		await sleep(1500);
		expect((await ticketOf(sku, b)).state).toBe("waiting");
		await restart(sku, 1);
		await vi.waitFor(async () => expect((await ticketOf(sku, b)).state).toBe("admitted"), {
			timeout: 5000,
			interval: 200,
		});
		expect(await stats(sku)).toMatchObject({ reserved: 0, available: 1, oversellCount: 0 });
	});
});
