// The room's public trail reads without forcing the SKU object's outbox to D1
// (docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md, src/inventory/outbox.ts copied): a
// reader waits for a batched flush that every reader asking before it starts shares, instead of
// pushing the outbox at its own pace past the 200 ms debounce (decision 053). Each reader still
// finds every event answered before it asked.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditEventRowText } from "../../src/inventory/codec.ts";
import type { AuditEvent } from "../../src/shared/types.ts";
import { call, createProduct } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import type { InventoryObject } from "./worker.ts";

const AT = "2026-12-01T06:00:00.000Z";
/** Far past the object's own sequence, so no event of its own takes these numbers. */
const SEQ = 1_000_000;

/** A room event `i` of `sku`, as the outbox keeps it. */
function roomEvent(sku: string, i: number): AuditEvent {
	return { id: `${sku}:${SEQ + i}`, seq: SEQ + i, sku, type: "queue.lapsed", at: AT };
}

function addRow(sql: SqlStorage, event: AuditEvent): void {
	sql.exec("INSERT INTO outbox (seq, event) VALUES (?, ?)", event.seq, auditEventRowText(event));
}

async function d1Seqs(sku: string): Promise<number[]> {
	const { results } = await env.DB.prepare(
		"SELECT seq FROM events WHERE sku = ? AND seq >= ? ORDER BY seq",
	)
		.bind(sku, SEQ)
		.all<{ seq: number }>();
	return results.map((r) => r.seq);
}

describe("the public trail's reads of the outbox", () => {
	it("readers asking while events keep coming share one D1 batch, which carries them all", async () => {
		const sku = await createProduct({ totalStock: 4 });
		expect(await stubOf(sku).flushEvents()).toBe(true);
		const { copied, batches } = await runInDurableObject(
			stubOf(sku),
			async (object: InventoryObject, state) => {
				const before = object.d1.batches;
				const asks: Promise<boolean>[] = [];
				for (let i = 1; i <= 10; i++) {
					addRow(state.storage.sql, roomEvent(sku, i));
					asks.push(object.eventsCopied());
				}
				const copied = await Promise.all(asks);
				return { copied, batches: object.d1.batches - before };
			},
		);
		expect(copied).toEqual(Array.from({ length: 10 }, () => true));
		expect(batches).toBe(1);
		expect(await d1Seqs(sku)).toEqual(Array.from({ length: 10 }, (_, i) => SEQ + i + 1));
	});

	it("asks D1 nothing when nothing is pending", async () => {
		const sku = await createProduct({ totalStock: 4 });
		expect(await stubOf(sku).flushEvents()).toBe(true);
		const batches = await runInDurableObject(stubOf(sku), async (object: InventoryObject) => {
			const before = object.d1.batches;
			expect(await Promise.all([object.eventsCopied(), object.eventsCopied()])).toEqual([
				true,
				true,
			]);
			return object.d1.batches - before;
		});
		expect(batches).toBe(0);
	});

	it("a page read at once finds the events already in the outbox, each of several readers", async () => {
		const sku = await createProduct({ totalStock: 4 });
		expect(await stubOf(sku).flushEvents()).toBe(true);
		await runInDurableObject(stubOf(sku), (_object: InventoryObject, state) => {
			for (let i = 1; i <= 3; i++) addRow(state.storage.sql, roomEvent(sku, i));
		});
		const pages = await Promise.all(
			[0, 1, 2, 3].map(() =>
				call<{ events: AuditEvent[] }>("GET", `/api/products/${sku}/queue/events?after=${SEQ}`),
			),
		);
		for (const page of pages) {
			expect(page.status, JSON.stringify(page.body)).toBe(200);
			expect(page.body.data?.events.map((e) => e.seq)).toEqual([SEQ + 1, SEQ + 2, SEQ + 3]);
		}
	});
});
