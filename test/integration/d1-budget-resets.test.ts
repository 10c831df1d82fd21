// The rest of one D1 deadline per request (src/worker/d1-budget.ts,
// docs/decisions/124-a-split-reset-owed.md section 3, after decision 113): a reset, the operator's
// and the demo sandbox's, waits for its copy of the reset event to D1 only OPTIONAL_D1_WAIT_MS
// (eventual mode refuses until it lands, so it is optional to the answer) and the copy goes on
// after the answer; a trail's SKU check, which waits on D1 for a SKU this isolate has not seen,
// counts in the trail's one deadline. Before, a reset waited up to a whole batch deadline for its
// copy and a trail could take D1_DEADLINE_MS + CATALOGUE_LOOKUP_WAIT_MS.
//
// As d1-budget.test.ts: the order of events is asserted, not a time.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_DEADLINE_MS, OPTIONAL_D1_WAIT_MS } from "../../src/domain/bounds.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product } from "../../src/shared/types.ts";
import { ADMIN, createProduct, newSession, unseenProduct } from "./helpers.ts";
import { expectUnavailable, request } from "./slow-d1-request.ts";
import { slowD1 } from "./slow-d1-support.ts";
import type { InventoryObject } from "./worker.ts";

/** Within the deadline alone; past it once the SKU check's wait is counted too. */
const PAGE_LATE_MS = D1_DEADLINE_MS * 0.95;
/** The object's D1 lets the reset's copy land this late: three times the optional wait. */
const COPY_LATE_MS = OPTIONAL_D1_WAIT_MS * 3;

function inObject<T>(sku: string, run: (object: InventoryObject) => T) {
	return runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), run);
}

/** `sku`'s object holds its D1 batches from now on: nothing of its outbox lands until released. */
async function holdObjectD1(sku: string): Promise<void> {
	expect(await env.INVENTORY.get(env.INVENTORY.idFromName(sku)).flushEvents()).toBe(true);
	await inObject(sku, (object) => object.d1.hold());
}

/** Releases `sku`'s held D1 after COPY_LATE_MS; `released()` says whether it has been. */
function releaseLater(sku: string) {
	let released = false;
	const done = sleep(COPY_LATE_MS).then(() => {
		released = true;
		return inObject(sku, (object) => object.d1.release());
	});
	return { done, released: () => released };
}

describe("a trail's SKU check counts in its one D1 deadline", () => {
	const trails = [
		{ what: "operator's trail", path: (sku: string) => `/api/admin/products/${sku}/events` },
		{ what: "room's trail", path: (sku: string) => `/api/products/${sku}/queue/events` },
	];
	for (const { what, path } of trails) {
		it(`the ${what} of a SKU this isolate has not seen: the page's read gets what the check left`, async () => {
			const sku = await unseenProduct();
			// The SKU check waits its CATALOGUE_LOOKUP_WAIT_MS for D1 and lets the SKU through; the
			// page's read then answers PAGE_LATE_MS late: within the deadline alone, not after the check.
			const slow = slowD1(PAGE_LATE_MS);
			const trail = await request(slow.db, "GET", path(sku), { token: ADMIN });
			expectUnavailable(trail, what);
			// The check's read and the page's read were asked; the answer did not wait for the page's
			// (the check's, sent first, may have answered in the background by then).
			expect(slow.calls).toHaveLength(2);
			expect(slow.answered()).toBeLessThan(2);
			await trail.settled();
			await sleep(PAGE_LATE_MS);
		});
	}
});

describe("a reset's copy of its event to D1 is optional to its answer", () => {
	it("the operator's reset answers before its object's D1 took the copy, which lands after", async () => {
		const sku = await createProduct({ totalStock: 5 });
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		await holdObjectD1(sku);
		const late = releaseLater(sku);
		const reset = await request<Product>(env.DB, "POST", `/api/admin/products/${sku}/reset`, {
			token: ADMIN,
		});
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		expect(late.released(), "the reset waited for its object's D1").toBe(false);
		await late.done;
		await reset.settled();
		// The copy was not dropped: the outbox is empty once the held batch landed.
		expect(await env.INVENTORY.get(env.INVENTORY.idFromName(sku)).flushEvents()).toBe(true);
		expect(await inObject(sku, (object) => object.d1.heldBatches)).toBeGreaterThan(0);
	});

	it("the demo sandbox's reset answers before its object's D1 took the copy", async () => {
		const token = await newSession();
		const created = await request<Product>(env.DB, "POST", "/api/demo/sandbox", { token });
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const sku = (created.body.data as Product).sku;
		await holdObjectD1(sku);
		const late = releaseLater(sku);
		const reset = await request<Product>(env.DB, "POST", "/api/demo/sandbox/reset", { token });
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);
		expect(late.released(), "the sandbox reset waited for its object's D1").toBe(false);
		await late.done;
		await reset.settled();
		expect(await env.INVENTORY.get(env.INVENTORY.idFromName(sku)).flushEvents()).toBe(true);
	});
});
