// A page of a split SKU's audit trail reads its own page (src/worker/trail-query.ts,
// migrations/0007_trail_by_sku.sql). Before the index, the statement found the SKU's rows with
// `(sku = ? OR sku GLOB '<sku>#*')` and sorted every one of them by row id before its LIMIT
// (`USE TEMP B-TREE FOR ORDER BY`), so each page cost the whole trail. Checked by the query plan,
// never by a time; and a page still holds exactly the SKU's rows, shards included, in the order
// D1 received them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type TrailPage, trailPageQuery } from "../../src/worker/trail-query.ts";
import { uniqueSku } from "./helpers.ts";

async function plan(sku: string, shards: number, page: TrailPage): Promise<string> {
	const { sql, params } = trailPageQuery(sku, shards, page);
	const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
		.bind(...params)
		.all<{ detail: string }>();
	return rows.results.map((r) => r.detail).join("; ");
}

/** Adds one event row under `eventSku` (a SKU, or one of its shards `<sku>#<i>`). */
async function addEvent(eventSku: string, seq: number): Promise<string> {
	const id = crypto.randomUUID();
	await env.DB.prepare(
		"INSERT INTO events (id, sku, seq, type, at) VALUES (?, ?, ?, 'reservation.created', ?)",
	)
		.bind(id, eventSku, seq, new Date().toISOString())
		.run();
	return id;
}

describe("a split SKU's audit trail page", () => {
	it("walks an index in row-id order and stops at its limit: no scan, no sort of the whole trail", async () => {
		const sku = uniqueSku("TRAIL");
		for (const page of [
			{ kind: "after", after: 0, limit: 100 },
			{ kind: "tail", tail: 50 },
		] as const) {
			const split = await plan(sku, 4, page);
			expect(split).toMatch(/SEARCH events USING (COVERING )?INDEX events_by_trail/);
			expect(split).not.toMatch(/TEMP B-TREE/);
			expect(split).not.toMatch(/SCAN events/);
			expect(split).not.toMatch(/MULTI-INDEX OR/);
			// A one-object SKU's page walks (sku, seq) as it always did.
			const one = await plan(sku, 1, page);
			expect(one).toMatch(/SEARCH events USING (COVERING )?INDEX events_by_sku_seq/);
			expect(one).not.toMatch(/TEMP B-TREE/);
		}
	});

	it("holds the SKU's and its shards' rows in the order D1 received them, and no other SKU's", async () => {
		const sku = uniqueSku("TRAIL");
		const ids: string[] = [];
		// Interleaved shards, as the outbox of four shards delivers them.
		for (let seq = 1; seq <= 3; seq++) {
			for (const name of [sku, `${sku}#1`, `${sku}#3`]) ids.push(await addEvent(name, seq));
			// Neighbours whose names start like it are another SKU's trail.
			await addEvent(`${sku}X`, seq);
			await addEvent(`${sku}X#1`, seq);
			await addEvent(`${sku.slice(0, -1)}#1`, seq);
		}
		const read = async (page: TrailPage) => {
			const { sql, params } = trailPageQuery(sku, 4, page);
			return (
				await env.DB.prepare(sql)
					.bind(...params)
					.all<{ id: string; cursor: number }>()
			).results;
		};
		const walked: string[] = [];
		let after = 0;
		for (;;) {
			const rows = await read({ kind: "after", after, limit: 4 });
			walked.push(...rows.map((r) => r.id));
			if (rows.length < 4) break;
			after = Number(rows.at(-1)?.cursor);
		}
		expect(walked).toEqual(ids);
		const tail = await read({ kind: "tail", tail: 5 });
		expect(tail.map((r) => r.id).reverse()).toEqual(ids.slice(-5));
	});
});
