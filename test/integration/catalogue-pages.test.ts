// GET /api/products past one page (docs/api.md, "Catalogue and availability";
// docs/decisions/085-catalogue-pages-and-contract-leftovers.md): the newest listed products
// first, so a drop created after the hundredth is in the catalogue (and the console's drop
// picker), and `next` walks the rest, each product once.
import { describe, expect, it } from "vitest";
import { MAX_PRODUCTS_LISTED } from "../../src/domain/bounds.ts";
import type { Product } from "../../src/shared/types.ts";
import { call, createProduct } from "./helpers.ts";

type Page = { products: Product[]; next: string | null };

const CREATED = MAX_PRODUCTS_LISTED + 1;

describe("the catalogue past one page", () => {
	it("lists the newest first and reaches every product through `next`", async () => {
		// Zero-padded, so the SKUs sort as they were created (the order's tie-break within one ms).
		const prefix = `CAT-${crypto.randomUUID().slice(0, 8)}`;
		const skus: string[] = [];
		for (let i = 0; i < CREATED; i++) {
			skus.push(await createProduct({ sku: `${prefix}-${String(i).padStart(3, "0")}` }));
		}
		const newest = skus.at(-1);

		const first = await call<Page>("GET", "/api/products");
		expect(first.status).toBe(200);
		const listed = first.body.data?.products.map((p) => p.sku) ?? [];
		expect(listed).toHaveLength(MAX_PRODUCTS_LISTED);
		expect(listed).toContain(newest);
		expect(listed.filter((sku) => sku.startsWith(prefix))[0]).toBe(newest);
		expect(first.body.data?.next).toEqual(expect.any(String));

		// Walked in smaller pages, every product of this test comes once, newest first.
		const walked: string[] = [];
		let after: string | null = null;
		for (let pages = 0; pages < 100; pages++) {
			const query: string = after === null ? "?limit=40" : `?limit=40&after=${after}`;
			const page = await call<Page>("GET", `/api/products${query}`);
			expect(page.status).toBe(200);
			expect(page.body.data?.products.length).toBeLessThanOrEqual(40);
			walked.push(...(page.body.data?.products.map((p) => p.sku) ?? []));
			after = page.body.data?.next ?? null;
			if (after === null) break;
		}
		expect(after).toBeNull();
		expect(new Set(walked).size).toBe(walked.length);
		expect(walked.filter((sku) => sku.startsWith(prefix))).toEqual([...skus].reverse());
	});

	it("refuses a limit or cursor it cannot read, naming it", async () => {
		for (const [query, field] of [
			["limit=0", "limit"],
			[`limit=${MAX_PRODUCTS_LISTED + 1}`, "limit"],
			["limit=1e2", "limit"],
			["limit=0x10", "limit"],
			["limit=%205", "limit"],
			["limit=-1", "limit"],
			["after=", "after"],
			["after=not-a-cursor", "after"],
			[`after=${btoa(JSON.stringify(["2026-01-01T00:00:00.000Z", "bad sku"]))}`, "after"],
			[`after=${"A".repeat(5000)}`, "after"],
		] as const) {
			const res = await call("GET", `/api/products?${query}`);
			expect(res.status, query).toBe(400);
			expect(res.body.error?.code, query).toBe("invalid_request");
			expect(res.body.error?.message, query).toMatch(new RegExp(`^${field}: `));
		}
	});
});
