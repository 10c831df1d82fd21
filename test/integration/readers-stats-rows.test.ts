// A stats read's cost with many ticket holders whose read is stored
// (docs/decisions/102-stored-reads-on-shards-and-their-cost.md): the console reads stats every
// second, so the ticket holders' stored reads are looked up in memory (inventory/readers.ts
// StoredReads), loaded once after the object loads, not probed in the table on every read.
// Rows read, as the object's SQLite counts them: no time is measured.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionSummary } from "../../src/domain/fairness.ts";
import { stubOf } from "./objects.ts";
import { insertTicketRows, setNextSeq } from "./room-rows.ts";
import { createRoomProduct } from "./room-support.ts";
import type { InventoryObject } from "./worker.ts";

const N = 3000;

describe("a stats read with many ticket holders who read", { timeout: 60_000 }, () => {
	it(`reads the ${N} stored reads once after a load, then rows not proportional to them`, async () => {
		const product = await createRoomProduct({ totalStock: 100 }, { admitSeconds: 10 });
		const sku = product.sku;
		// N ended tickets (kept, so the room still counts their sessions), each with a stored read.
		const longAgo = Date.now() - 60_000;
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			insertTicketRows(state.storage.sql, {
				count: N,
				ticketPrefix: "rt-",
				sessionPrefix: "reader-",
				seqOffset: 0,
				joinedAt: longAgo,
				ended: { rankOffset: 0, admittedAt: longAgo + 1000, admittedUntil: longAgo + 11_000 },
				withReads: true,
			});
			setNextSeq(state.storage.sql, N + 1);
		});
		await evictDurableObject(stubOf(sku));
		const [first, second, third, readers] = await runInDurableObject(
			stubOf(sku),
			async (object: InventoryObject) => [
				await object.statsRowsRead(),
				await object.statsRowsRead(),
				await object.statsRowsRead(),
				object.fairnessSessions().filter((s: SessionSummary) => s.read).length,
			],
		);
		// The figures count every one of them as a reader.
		expect(readers).toBe(N);
		// The first read after the load loads the stored reads; the next ones do not visit them.
		expect(first).toBeGreaterThanOrEqual(N);
		expect(second).toBeLessThan(N / 10);
		expect(third).toBe(second);
	});
});
