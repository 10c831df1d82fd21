// A waiting room on a SKU split across shards: an admission whose use never reached the
// coordinator (the shard's report lost, as to a `kill -9` before it went) is not called lapsed
// when it ends. The coordinator asks the session's shard, whose hold records say the session
// held units within the admission; only an admission with no hold there is `queue.lapsed`, and
// its event says when it ended (docs/decisions/090-room-tickets-and-ends-while-down.md). The
// shard's report is held back (as for a report gap after the previous one), so the use stays
// unreported past the admission's end deterministically.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { call, stats } from "./helpers.ts";
import { shardStub } from "./objects.ts";
import { createRoomProduct, join, ticketOf } from "./room-support.ts";
import { buyersOnEveryShard, type ShardBuyer } from "./shards-support.ts";

/** The shard sends no report for a minute (its last one "just went"): what it learns stays in its memory. */
async function holdBackReports(sku: string, index: number): Promise<void> {
	await runInDurableObject(shardStub(sku, index), (instance: InventoryObject) => {
		const link = (instance as unknown as { roomLink: { lastReportMs: number } | null }).roomLink;
		if (link === null || !("lastReportMs" in link)) throw new Error("the shard has no room link");
		link.lastReportMs = Date.now() + 60_000;
	});
}

/** The coordinator's row of the session's ticket: when it counts the admission as used (null: not). */
const usedAt = (sku: string, sessionId: string) =>
	runInDurableObject(shardStub(sku, 0), (_: InventoryObject, state) => {
		const row = state.storage.sql
			.exec<{ used_at: number | null }>(
				"SELECT used_at FROM room_tickets WHERE session_id = ?",
				sessionId,
			)
			.toArray()[0];
		return row?.used_at ?? null;
	});

const lapsedEvents = async (sku: string) =>
	(
		await env.DB.prepare(
			"SELECT session_id, detail FROM events WHERE sku = ? AND type = 'queue.lapsed'",
		)
			.bind(sku)
			.all<{ session_id: string; detail: string }>()
	).results;

describe("waiting room on a split SKU: an admission ending before its use was reported", {
	timeout: 60_000,
}, () => {
	it("a session that held units within its admission is not lapsed; one that held nothing is, with its admittedUntil", async () => {
		const shards = 3;
		const product = await createRoomProduct(
			{ totalStock: 2, shards, perUserLimit: 1, holdSeconds: 600 },
			{ admitSeconds: 10 },
		);
		const sku = product.sku;
		// Both on shard 1, not the coordinator's: a reserves, b never does.
		const [a, b] = (await buyersOnEveryShard(shards, 2)).filter((x) => x.shard === 1) as [
			ShardBuyer,
			ShardBuyer,
		];
		for (const x of [a, b]) expect((await join(sku, x)).status).toBe(201);
		const ta = await ticketOf(sku, a);
		const tb = await ticketOf(sku, b);
		expect([ta.state, tb.state]).toEqual(["admitted", "admitted"]);

		// a's first hold stays unreported in shard 1's memory past the end of a's admission.
		await holdBackReports(sku, 1);
		const held = await call<Reservation>("POST", "/api/reservations", {
			token: a.token,
			body: { sku },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		const lastEnd = Math.max(
			Date.parse(ta.admittedUntil ?? ""),
			Date.parse(tb.admittedUntil ?? ""),
		);
		await sleep(lastEnd - Date.now() + 200);
		expect((await ticketOf(sku, a)).state).toBe("expired");

		// The coordinator learns a's use from shard 1's hold records; b's admission lapsed.
		await vi.waitFor(async () => expect(await usedAt(sku, a.sessionId)).not.toBeNull(), {
			timeout: 10_000,
			interval: 200,
		});
		await vi.waitFor(async () => expect((await stats(sku)).queue?.lapsed).toBe(1), {
			timeout: 10_000,
			interval: 200,
		});
		expect(await usedAt(sku, b.sessionId)).toBeNull();
		await vi.waitFor(async () => expect(await lapsedEvents(sku)).toHaveLength(1), {
			timeout: 10_000,
			interval: 200,
		});
		const [event] = await lapsedEvents(sku);
		expect(event?.session_id).toBe(b.sessionId);
		expect(JSON.parse(event?.detail ?? "{}")).toMatchObject({ admittedUntil: tb.admittedUntil });
		// The coordinator's questions to shard 1 are counted with the room's other calls.
		expect((await stats(sku)).queue?.shardCalls?.held).toBeGreaterThanOrEqual(1);
	});
});
