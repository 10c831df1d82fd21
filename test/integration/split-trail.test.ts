// The audit trail of a SKU split across shards describes the SKU as a one-object SKU's does
// (docs/api.md, "The audit trail of a split SKU"): the operator's PATCH is one product.updated
// carrying the SKU's new totalStock, recorded by the coordinator; the escrow's own
// product.updated events (a shard's allotment moving, `detail.escrow`) name `allotment`.
// Each pair of SKUs gets the same PATCHes and their operator events are compared.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AuditEvent, Product } from "../../src/shared/types.ts";
import { ADMIN, call, newSession, stats, uniqueSku, trail as wholeTrail } from "./helpers.ts";
import { buyers, checkEscrow, expectShardsReplay, reserve } from "./shards-support.ts";

const SHARDS = 4;
const STOCK = 20;

async function create(sku: string, shards: number): Promise<void> {
	const res = await call<Product>("POST", "/api/admin/products", {
		token: ADMIN,
		body: { sku, name: "Trail drop", priceCents: 1000, currency: "USD", totalStock: STOCK, shards },
	});
	expect(res.status).toBe(201);
}

async function patch(sku: string, body: Record<string, unknown>): Promise<Product> {
	const res = await call<Product>("PATCH", `/api/admin/products/${sku}`, { token: ADMIN, body });
	expect(res.status).toBe(200);
	return res.body.data as Product;
}

/** The operator's events: the product's own, not the escrow's allotment moves. */
function operatorEvents(events: AuditEvent[]) {
	return events
		.filter((e) => e.type.startsWith("product.") && e.detail?.escrow === undefined)
		.map((e) => {
			const { sku: _, shards: __, ...detail } = e.detail ?? {};
			return { type: e.type, detail };
		});
}

/** Two SKUs, one object and four shards, given the same PATCHes: their trails and totals. */
async function samePatches(patches: Record<string, unknown>[]) {
	const one = uniqueSku("TR1");
	const split = uniqueSku("TRS");
	await create(one, 1);
	await create(split, SHARDS);
	for (const body of patches) {
		const [a, b] = [await patch(one, body), await patch(split, body)];
		expect(b.totalStock).toBe(a.totalStock);
	}
	return { one, split, oneTrail: await wholeTrail(one), splitTrail: await wholeTrail(split) };
}

describe("the audit trail of a split SKU", () => {
	it("a totalStock-only PATCH is one product.updated carrying the new total, as on one object", async () => {
		const { split, oneTrail, splitTrail } = await samePatches([{ totalStock: 26 }]);
		expect(operatorEvents(splitTrail)).toEqual(operatorEvents(oneTrail));
		const updates = operatorEvents(splitTrail).filter((e) => e.type === "product.updated");
		expect(updates).toEqual([{ type: "product.updated", detail: { totalStock: 26 } }]);
		// Recorded under the SKU itself (shard 0), the coordinator that holds the total.
		const recorded = splitTrail.filter(
			(e) => e.type === "product.updated" && e.detail?.escrow === undefined,
		);
		expect(recorded.map((e) => [e.sku, e.shard])).toEqual([[split, 0]]);
		expect((await stats(split)).total).toBe(26);
	});

	it("a cut with perUserLimit and a rename: one event per PATCH, not one per object", async () => {
		const patches = [
			{ totalStock: 26 },
			{ totalStock: 12, perUserLimit: 3 },
			{ name: "Renamed drop" },
			{ totalStock: 12 },
		];
		const { split, oneTrail, splitTrail } = await samePatches(patches);
		expect(operatorEvents(splitTrail)).toEqual(operatorEvents(oneTrail));
		// The last re-sends the total the SKU already has: it changes nothing and records nothing.
		expect(operatorEvents(splitTrail).filter((e) => e.type === "product.updated")).toEqual(
			patches.slice(0, -1).map((detail) => ({ type: "product.updated", detail })),
		);
		// Rebuilding the SKU's stock from its operator events gives what stats say.
		const last = operatorEvents(splitTrail)
			.filter((e) => typeof e.detail.totalStock === "number")
			.at(-1);
		const s = await stats(split);
		expect(last?.detail.totalStock).toBe(12);
		expect(s.total).toBe(12);
		checkEscrow(s);
	});

	it("a PATCH that changes nothing records nothing and answers the product as it is", async () => {
		const one = uniqueSku("TN1");
		const split = uniqueSku("TNS");
		await create(one, 1);
		await create(split, SHARDS);
		const asItIs = (p: Product) => {
			const { asOf: _, ...availability } = p.availability;
			return { ...p, availability };
		};
		for (const [sku, shards] of [
			[one, 1],
			[split, SHARDS],
		] as const) {
			const trail = await wholeTrail(sku);
			const product = (await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
			for (const body of [
				{},
				{ sku: "OTHER" },
				{ waitingRoom: { enabled: false } },
				{ name: "Trail drop", totalStock: STOCK, currency: "usd", startsAt: null },
				{ shards },
			]) {
				expect(asItIs(await patch(sku, body)), JSON.stringify(body)).toEqual(asItIs(product));
			}
			expect(await wholeTrail(sku)).toEqual(trail);

			// A room enabled alone is the room's own event; the same room again records nothing.
			await patch(sku, { waitingRoom: { enabled: true } });
			await patch(sku, { waitingRoom: { enabled: true, admitSeconds: 60 } });
			// (Without a startsAt the room starts at once: `queue.started` follows, as always.)
			const added = (await wholeTrail(sku)).slice(trail.length).map((e) => e.type);
			expect(added.filter((t) => t !== "queue.started")).toEqual(["queue.enabled"]);
			// A real change is still one product.updated, as sent.
			await patch(sku, { name: "Trail drop", perUserLimit: 3 });
			expect(operatorEvents((await wholeTrail(sku)).slice(trail.length))).toEqual([
				{ type: "product.updated", detail: { name: "Trail drop", perUserLimit: 3 } },
			]);
		}
	});

	it("escrow events name the shard's allotment, and each shard's trail replays to it", async () => {
		const sku = uniqueSku("TRE");
		await create(sku, SHARDS);
		for (const b of await buyers(6)) expect((await reserve(b, sku)).status).toBe(201);
		await patch(sku, { totalStock: 30 });
		await patch(sku, { totalStock: 9, perUserLimit: 2 });
		const trail = await wholeTrail(sku);
		const escrow = trail.filter((e) => e.detail?.escrow !== undefined);
		expect(escrow.length).toBeGreaterThan(0);
		for (const e of escrow) {
			expect(e.type).toBe("product.updated");
			expect(typeof e.detail?.allotment).toBe("number");
			expect(e.detail?.totalStock).toBe(e.detail?.allotment);
		}
		const s = await stats(sku);
		checkEscrow(s);
		expectShardsReplay(trail, s);
	});

	it("a reset's coordinator event carries the SKU's total, as one object's; eventual mode restarts from it", async () => {
		const sku = uniqueSku("TRR");
		await create(sku, SHARDS);
		for (const b of await buyers(5)) expect((await reserve(b, sku)).status).toBe(201);
		const token = await newSession();
		const eventual = await call("POST", "/api/reservations", {
			token,
			body: { sku, mode: "eventual" },
		});
		expect(eventual.status).toBe(201);
		const reset = await call("POST", `/api/admin/products/${sku}/reset`, { token: ADMIN });
		expect(reset.status).toBe(200);

		const trail = await wholeTrail(sku);
		const resets = trail.filter((e) => e.type === "inventory.reset");
		const own = resets.filter((e) => (e.shard ?? 0) === 0);
		expect(own.map((e) => e.detail?.totalStock)).toEqual([STOCK]);
		const s = await stats(sku);
		expect(own[0]?.detail?.allotment).toBe(s.shards?.[0]?.allotment);
		// Each shard's trail still replays to its allotment and counters.
		expectShardsReplay(trail, s);
		// The reset's projection (inventory/projections.ts) restores eventual mode's stock from it.
		const row = await env.DB.prepare("SELECT total, remaining FROM eventual_stock WHERE sku = ?")
			.bind(sku)
			.first<{ total: number; remaining: number }>();
		expect(row).toEqual({ total: STOCK, remaining: STOCK });
	});
});
