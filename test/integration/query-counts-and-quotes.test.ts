// Small contract points of docs/decisions/107-bad-input-the-server-took.md: the operator's trail
// says `next: null` on its last page even when that page is full; a count in a query is judged
// by its value, whatever its leading zeros; a refusal quotes a path's SKU (or path) cut short.
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { expectError } from "./bad-input-support.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";
import { createRoom } from "./room-support.ts";

interface TrailPage {
	events: (AuditEvent & { cursor: string })[];
	next: string | null;
	last: string | null;
}

async function trail(sku: string, query: string): Promise<TrailPage> {
	const res = await call<TrailPage>("GET", `/api/admin/products/${sku}/events?${query}`, {
		token: ADMIN,
	});
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as TrailPage;
}

/** A SKU (one object or split) with a few events: its creation and two holds. */
async function skuWithEvents(shards: number): Promise<string> {
	const sku = uniqueSku("NEXT");
	const created = await call("POST", "/api/admin/products", {
		token: ADMIN,
		body: { sku, name: "Trail", priceCents: 100, currency: "USD", totalStock: 10, shards },
	});
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	for (let i = 0; i < 2; i++) {
		const token = await newSession();
		const held = await call("POST", "/api/reservations", { token, body: { sku, quantity: 1 } });
		expect(held.status, JSON.stringify(held.body)).toBe(201);
	}
	return sku;
}

describe("the operator's audit trail", () => {
	for (const shards of [1, 3]) {
		it(`answers next: null on a full last page (${shards === 1 ? "one object" : "split"})`, async () => {
			const sku = await skuWithEvents(shards);
			const all = await trail(sku, "limit=1000");
			const n = all.events.length;
			expect(n).toBeGreaterThanOrEqual(3);
			expect(all.next).toBeNull();
			// Exactly the trail's length: the page is full and the last one.
			const exact = await trail(sku, `limit=${n}`);
			expect(exact.events).toEqual(all.events);
			expect(exact.next).toBeNull();
			expect(exact.last).toBe(all.events.at(-1)?.cursor);
			// One short of it: a next page, holding the one event left, and that page is the last.
			const first = await trail(sku, `limit=${n - 1}`);
			expect(first.next).toBe(all.events.at(-2)?.cursor);
			const rest = await trail(sku, `after=${first.next}&limit=1`);
			expect(rest.events.map((e) => e.id)).toEqual([all.events.at(-1)?.id]);
			expect(rest.next).toBeNull();
			// Walking with pages of one visits every event once and ends on null.
			const walked: string[] = [];
			let after = "0";
			for (let page = 0; page <= n; page++) {
				const one = await trail(sku, `after=${after}&limit=1`);
				walked.push(...one.events.map((e) => e.id));
				if (one.next === null) break;
				after = one.next;
			}
			expect(walked).toEqual(all.events.map((e) => e.id));
		});
	}
});

describe("a count in a query", () => {
	it("is read by its value whatever its leading zeros, on every route that takes one", async () => {
		const sku = await createProduct();
		const room = await createRoom({ totalStock: 3 });
		const routes: [string, string, string | undefined][] = [
			["/api/products", "limit", undefined],
			[`/api/admin/products/${sku}/events`, "limit", ADMIN],
			[`/api/admin/products/${sku}/events`, "tail", ADMIN],
			[`/api/admin/products/${sku}/metrics`, "seconds", ADMIN],
			[`/api/products/${room}/queue/events`, "limit", undefined],
		];
		for (const [path, name, token] of routes) {
			for (const value of ["1", "007", "0001", "00001", `${"0".repeat(40)}1`]) {
				const res = await call("GET", `${path}?${name}=${value}`, { token });
				expect(res.status, `${path}?${name}=${value} ${JSON.stringify(res.body)}`).toBe(200);
			}
			for (const value of ["0", "0000", "", "1e1", "0x1", "+1", "1.0", "-1", "9".repeat(40)]) {
				const res = await call("GET", `${path}?${name}=${value}`, { token });
				expectError(res, 400, "invalid_request", new RegExp(`^${name}: must be a whole number`));
			}
		}
		const one = await call<{ products: unknown[] }>("GET", "/api/products?limit=0001");
		expect(one.body.data?.products.length).toBeLessThanOrEqual(1);
	});
});

describe("a refusal that quotes the request", () => {
	it("cuts a path's SKU that is no SKU, and an unknown route's path, short", async () => {
		const long = "a".repeat(60_000);
		for (const [path, code, token] of [
			[`/api/products/${long}`, "unknown_sku", undefined],
			[`/api/products/${long}/availability`, "unknown_sku", undefined],
			[`/api/admin/products/${long}/stats`, "unknown_sku", ADMIN],
			[`/api/${long}`, "not_found", undefined],
		] as const) {
			const res = await call("GET", path, { token });
			expectError(res, 404, code);
			const message = res.body.error?.message ?? "";
			expect(message.length, path.slice(0, 40)).toBeLessThan(300);
			expect(message).toContain("aaaa");
		}
		// A SKU of the right shape that no product has is quoted whole, as before.
		const unknown = uniqueSku("NONE");
		const res = await call("GET", `/api/products/${unknown}`);
		expect(res.body.error?.message).toBe(`No product has the SKU ${JSON.stringify(unknown)}.`);
	});
});
