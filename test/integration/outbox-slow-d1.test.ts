// The outbox with a D1 that does not answer (src/inventory/outbox.ts): a batch not answered within
// D1_DEADLINE_MS (src/domain/bounds.ts) is a failed flush, retried on the backoff, so the
// operator's trail answers 503 instead of waiting for ever, and the object's alarm is never held by
// it. The batch may still land: no other is sent until it answers, so D1 applies the batches in
// order (a late rename never undoes a newer one), and once it lands its rows are not sent twice
// (docs/decisions/103-a-slow-database.md).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../src/worker/storage-errors.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";
import { unlessHung } from "./hung.ts";
import { stubOf } from "./objects.ts";
import type { InventoryObject } from "./worker.ts";

function inObject<T>(sku: string, run: (object: InventoryObject, state: DurableObjectState) => T) {
	return runInDurableObject(stubOf(sku), run);
}

async function d1Trail(sku: string): Promise<{ seqs: number[]; name: string | null }> {
	const { results } = await env.DB.prepare("SELECT seq FROM events WHERE sku = ? ORDER BY seq")
		.bind(sku)
		.all<{ seq: number }>();
	const row = await env.DB.prepare("SELECT name FROM products WHERE sku = ?")
		.bind(sku)
		.first<{ name: string }>();
	return { seqs: results.map((r) => r.seq), name: row?.name ?? null };
}

describe("the outbox with D1 not answering", () => {
	it("fails the flush instead of waiting; the late batch lands alone, first, and once", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 5 });
		const token = await newSession();
		expect(await stubOf(sku).flushEvents()).toBe(true);
		await inObject(sku, (object) => object.d1.hold());

		const rename = (name: string) =>
			call("PATCH", `/api/admin/products/${sku}`, { token: ADMIN, body: { name } });
		expect((await rename("First name")).status).toBe(200);
		expect((await call("POST", "/api/reservations", { token, body: { sku } })).status).toBe(201);
		// D1 holds the batch: a failed flush, not an endless one.
		expect(await unlessHung("flush", stubOf(sku).flushEvents())).toBe(false);
		const trail = await unlessHung(
			"operator's trail",
			call("GET", `/api/admin/products/${sku}/events`, { token: ADMIN }),
		);
		expect(trail.status, JSON.stringify(trail.body)).toBe(503);
		expect(trail.body.error?.code).toBe("unavailable");
		expect(trail.headers.get("retry-after")).toBe(String(STORAGE_RETRY_AFTER_SECONDS));

		// A newer change while the held batch may still land: not sent before it.
		expect((await rename("Second name")).status).toBe(200);
		expect(await unlessHung("flush", stubOf(sku).flushEvents())).toBe(false);
		expect(await inObject(sku, (object) => object.d1.heldBatches)).toBe(1);

		// D1 answers the held batch late: its rows leave the outbox then, and the rest follows.
		await inObject(sku, (object) => object.d1.release());
		expect(await unlessHung("flush", stubOf(sku).flushEvents())).toBe(true);

		const pending = await inObject(
			sku,
			(_object, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n,
		);
		expect(pending).toBe(0);
		const { seqs, name } = await d1Trail(sku);
		// Every event once, none missing: seq 1..n.
		expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
		expect(seqs.length).toBeGreaterThanOrEqual(4);
		// The newer rename is the one D1 keeps.
		expect(name).toBe("Second name");
	});
});
