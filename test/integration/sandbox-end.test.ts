// A demo sandbox ends with its session (docs/decisions/163-a-sandbox-bounded.md): POST
// /api/demo/sandbox arms the end at the session's end plus its grace, and at that moment the
// sandbox's object resets it and deletes its D1 rows (its audit trail, eventual mode's rows).
// Before, a sandbox and everything it wrote stayed for good.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import type { Availability, Product } from "../../src/shared/types.ts";
import { call, createProduct, DEBUG, newSession } from "./helpers.ts";
import { stubOf } from "./objects.ts";

async function rows(sql: string, sku: string): Promise<number> {
	const row = await env.DB.prepare(sql).bind(sku).first<{ n: number }>();
	return Number(row?.n ?? -1);
}
const trailRows = (sku: string) => rows("SELECT COUNT(*) AS n FROM events WHERE sku = ?", sku);
const eventualRows = (sku: string) =>
	rows("SELECT COUNT(*) AS n FROM eventual_allocations WHERE sku = ?", sku);

describe("a demo sandbox's end", () => {
	it("is armed at the session's end plus its grace, and resets the sandbox and its D1 rows", async () => {
		const issued = await call<{ token: string; expiresAt: string }>("POST", "/api/sessions", {
			body: { turnstileToken: DEBUG },
		});
		expect(issued.status).toBe(201);
		const token = issued.body.data?.token ?? "";
		const created = await call<Product>("POST", "/api/demo/sandbox", { token });
		expect(created.status).toBe(201);
		const sku = created.body.data?.sku ?? "";
		const stub = stubOf(sku);
		const endsAtMs = await runInDurableObject(stub, (o: InventoryObject) => o.sandboxEndsAtMs());
		const expiresAtMs = Date.parse(issued.body.data?.expiresAt ?? "");
		expect(endsAtMs).toBe(expiresAtMs + SESSION_GRACE_SECONDS * 1000);

		// What a demo leaves: a safe hold and eventual allocations, copied to D1.
		const held = await call("POST", "/api/reservations", { token, body: { sku, quantity: 2 } });
		expect(held.status).toBe(201);
		for (let i = 0; i < 3; i++) {
			const e = await call("POST", "/api/reservations", { token, body: { sku, mode: "eventual" } });
			expect(e.status).toBe(201);
		}
		await stub.flushEvents();
		expect(await trailRows(sku)).toBeGreaterThan(0);
		expect(await eventualRows(sku)).toBe(3);

		// Its session is over: the end is due, and the object's alarm carries it out.
		await runInDurableObject(stub, (o: InventoryObject) => o.endSandboxAt(Date.now() - 1));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await trailRows(sku)).toBe(0);
		expect(await eventualRows(sku)).toBe(0);
		expect(await rows("SELECT COUNT(*) AS n FROM eventual_stock WHERE sku = ?", sku)).toBe(0);
		expect(await runInDurableObject(stub, (o: InventoryObject) => o.sandboxEndsAtMs())).toBeNull();
		// The product stays, empty: its 100 units are all available again.
		const after = await call<Availability>("GET", `/api/products/${sku}/availability`, { token });
		expect(after.status).toBe(200);
		expect(after.body.data?.available).toBe(100);
	});

	it("is armed on a sandbox only, never on a product of the catalogue", async () => {
		const token = await newSession();
		const created = await call<Product>("POST", "/api/demo/sandbox", { token });
		const sku = created.body.data?.sku ?? "";
		expect(await stubOf(sku).endSandboxAt(Date.now() + 60_000)).toBe(true);
		const listed = await createProduct({ totalStock: 5 });
		expect(await stubOf(listed).endSandboxAt(Date.now())).toBe(false);
	});
});
