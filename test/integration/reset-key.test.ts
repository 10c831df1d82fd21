// The operator's reset under an Idempotency-Key (docs/api.md, Operator;
// docs/decisions/081-reset-idempotency-key.md): the same key again answers the first reset's
// answer and resets nothing, on one object and on a split SKU; the key rides on every
// `inventory.reset` it caused; the same key for another SKU or with another body is a 400 that
// changes nothing; a repeat is not refused by the one-reset-a-minute limit, a new key is.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sha256Hex } from "../../src/shared/digest.ts";
import type { Product, Stats } from "../../src/shared/types.ts";
import { TestClock } from "../support/clock.ts";
import { ADMIN, type ApiResponse, call, createProduct, resetsIn, stats } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { buyers, checkEscrow, createSharded, heldOnShards, reserve } from "./shards-support.ts";

const SHARDS = 4;

function resetWith(
	sku: string,
	key: string | null,
	rawBody?: string,
): Promise<ApiResponse<Product>> {
	return call<Product>("POST", `/api/admin/products/${sku}/reset`, {
		token: ADMIN,
		...(key === null ? {} : { headers: { "idempotency-key": key } }),
		...(rawBody === undefined ? {} : { rawBody }),
	});
}

/** Holds `n` units of `sku`, one per new buyer. */
async function hold(sku: string, n: number): Promise<void> {
	for (const b of await buyers(n)) expect((await reserve(b, sku)).status).toBe(201);
}

describe("a keyed reset", () => {
	for (const shards of [1, SHARDS]) {
		it(`${shards === 1 ? "one object" : "a split SKU"}: the same key answers the first answer again and resets nothing`, async () => {
			const sku = await createSharded(20, shards, 5);
			await hold(sku, 6);
			const key = crypto.randomUUID();
			const first = await resetWith(sku, key);
			expect(first.status).toBe(200);
			expect(first.body.data?.availability).toMatchObject({ available: 20, reserved: 0 });

			// Buyers come back after the reset; a repeat of the key must not release them.
			await hold(sku, 3);
			const before: Stats = await stats(sku);
			expect(before.reserved).toBe(3);
			const again = await resetWith(sku, key);
			expect(again.status).toBe(200);
			expect(again.body.data).toEqual(first.body.data);
			const after = await stats(sku);
			expect([after.reserved, after.available]).toEqual([3, 17]);
			if (shards > 1) checkEscrow(after);

			// Every object that reset recorded it once, carrying the key.
			const resets = await resetsIn(sku);
			expect(resets).toHaveLength(shards);
			expect(new Set(resets.map((e) => e.shard ?? 0)).size).toBe(shards);
			for (const e of resets) expect(e.detail?.idempotencyKey).toBe(key);
		});
	}

	it("a split SKU's reset the coordinator did but its shards did not hear is finished by a repeat", async () => {
		const sku = await createSharded(20, SHARDS, 5);
		await hold(sku, 8);
		const key = crypto.randomUUID();
		const fingerprint = await sha256Hex("");
		// What the coordinator commits before it asks its shards (inventory/reset-keys.ts): its row
		// without an answer and its own reset, as a process killed right then leaves them.
		const coordinator = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
		await runInDurableObject(coordinator, (instance: InventoryObject, state) => {
			state.storage.sql.exec(
				"INSERT INTO reset_keys (key, fingerprint, at_ms, answer) VALUES (?, ?, ?, NULL)",
				key,
				fingerprint,
				Date.now(),
			);
			(instance as unknown as { resetLocal(k: string): unknown }).resetLocal(key);
		});
		// Read in the shards themselves: the stats would finish the reset the coordinator owes them.
		expect(await heldOnShards(sku, SHARDS)).toBeGreaterThan(0);
		const repeat = await resetWith(sku, key);
		expect(repeat.status).toBe(200);
		expect(repeat.body.data?.availability).toMatchObject({ available: 20, reserved: 0 });
		const after = await stats(sku);
		expect(after.reserved).toBe(0);
		checkEscrow(after);
		const resets = await resetsIn(sku);
		expect(resets.map((e) => e.shard ?? 0).sort()).toEqual([0, 1, 2, 3]);
		for (const e of resets) expect(e.detail?.idempotencyKey).toBe(key);
		// Done now: a further repeat answers the same and resets nothing.
		await hold(sku, 2);
		expect((await resetWith(sku, key)).body.data).toEqual(repeat.body.data);
		expect((await stats(sku)).reserved).toBe(2);
	});

	it("an unkeyed reset is recorded without a key; another key is another reset", async () => {
		const sku = await createProduct({ totalStock: 10 });
		expect((await resetWith(sku, null)).status).toBe(200);
		await hold(sku, 2);
		const key = crypto.randomUUID();
		expect((await resetWith(sku, key)).status).toBe(200);
		await hold(sku, 1);
		expect((await resetWith(sku, crypto.randomUUID())).status).toBe(200);
		expect((await stats(sku)).reserved).toBe(0);
		const keys = (await resetsIn(sku)).map((e) => e.detail?.idempotencyKey ?? null);
		expect(keys).toHaveLength(3);
		expect(keys[0]).toBeNull();
		expect(keys[1]).toBe(key);
		expect(keys[2]).not.toBe(key);
	});

	it("the same key for another SKU is a 400 naming the key, and that SKU is left alone", async () => {
		const first = await createProduct({ totalStock: 10 });
		const other = await createSharded(20, SHARDS, 5);
		const key = crypto.randomUUID();
		expect((await resetWith(first, key)).status).toBe(200);
		await hold(other, 4);
		const refused = await resetWith(other, key);
		expect(refused.status).toBe(400);
		expect(refused.body.error?.code).toBe("invalid_request");
		expect(refused.body.error?.message).toMatch(/^Idempotency-Key .*another SKU/);
		expect((await stats(other)).reserved).toBe(4);
		expect(await resetsIn(other)).toHaveLength(0);
		// Refused every time, not only the first.
		expect((await resetWith(other, key)).status).toBe(400);
	});

	it("the same key with another body is a 400 and changes nothing", async () => {
		const sku = await createProduct({ totalStock: 10 });
		const key = crypto.randomUUID();
		expect((await resetWith(sku, key)).status).toBe(200);
		await hold(sku, 2);
		const refused = await resetWith(sku, key, JSON.stringify({ totalStock: 3 }));
		expect(refused.status).toBe(400);
		expect(refused.body.error?.message).toMatch(/^Idempotency-Key .*another body/);
		expect((await stats(sku)).reserved).toBe(2);
		expect(await resetsIn(sku)).toHaveLength(1);
		// Another SKU's first use with a body, then that body again: a repeat.
		const other = await createProduct({ totalStock: 10 });
		const keyed = crypto.randomUUID();
		const body = JSON.stringify({ note: "x" });
		const firstAnswer = await resetWith(other, keyed, body);
		expect(firstAnswer.status).toBe(200);
		expect((await resetWith(other, keyed, body)).body.data).toEqual(firstAnswer.body.data);
		expect((await resetWith(other, keyed)).status).toBe(400);
	});

	it("a malformed key is a 400 that resets nothing", async () => {
		const sku = await createProduct({ totalStock: 10 });
		await hold(sku, 2);
		const refused = await resetWith(sku, "x".repeat(256));
		expect(refused.status).toBe(400);
		expect(refused.body.error?.message).toMatch(/^Idempotency-Key/);
		expect((await stats(sku)).reserved).toBe(2);
	});
});

describe("a keyed reset and the one-reset-a-minute limit", () => {
	it("a repeat of the key is answered within the minute, a new key is refused", async () => {
		const sku = await createProduct({ totalStock: 10 });
		const ip = freshIp();
		const clock = new TestClock();
		const key = crypto.randomUUID();
		const resetFrom = (k: string, atMs: number) =>
			limited<Product>("POST", `/api/admin/products/${sku}/reset`, {
				ip,
				token: ADMIN,
				atMs,
				headers: { "idempotency-key": k },
			});
		const first = await resetFrom(key, clock.nowMs);
		expect(first.status).toBe(200);
		const repeat = await resetFrom(key, clock.advance(1_000));
		expect(repeat.status).toBe(200);
		expect(repeat.body.data).toEqual(first.body.data);
		// The repeat was not counted: the limit still refuses a new reset, and only as one refusal.
		expect((await resetFrom(crypto.randomUUID(), clock.advance(1_000))).status).toBe(429);
		expect((await resetFrom(key, clock.advance(1_000))).status).toBe(200);
		expect(await resetsIn(sku)).toHaveLength(1);
	});

	it("a new key refused by the limit is not spent: the same key resets once the minute has passed", async () => {
		const sku = await createProduct({ totalStock: 10 });
		const ip = freshIp();
		const clock = new TestClock();
		const resetFrom = (k: string, atMs: number) =>
			limited<Product>("POST", `/api/admin/products/${sku}/reset`, {
				ip,
				token: ADMIN,
				atMs,
				headers: { "idempotency-key": k },
			});
		expect((await resetFrom(crypto.randomUUID(), clock.nowMs)).status).toBe(200);
		const key = crypto.randomUUID();
		expect((await resetFrom(key, clock.advance(1_000))).status).toBe(429);
		expect((await resetFrom(key, clock.advance(60_000))).status).toBe(200);
		const resets = await resetsIn(sku);
		expect(resets.map((e) => e.detail?.idempotencyKey)).toContain(key);
	});

	it("a key the limit refused stays with its first SKU, and another SKU's refusal says so without claiming a reset", async () => {
		const first = await createProduct({ totalStock: 10 });
		const other = await createProduct({ totalStock: 10 });
		const ip = freshIp();
		const clock = new TestClock();
		const resetFrom = (sku: string, k: string, atMs: number) =>
			limited<Product>("POST", `/api/admin/products/${sku}/reset`, {
				ip,
				token: ADMIN,
				atMs,
				headers: { "idempotency-key": k },
			});
		expect((await resetFrom(first, crypto.randomUUID(), clock.nowMs)).status).toBe(200);
		const key = crypto.randomUUID();
		// First sent to reset `first`, refused by the limit: nothing was reset under it.
		expect((await resetFrom(first, key, clock.advance(1_000))).status).toBe(429);
		const refused = await resetFrom(other, key, clock.advance(1_000));
		expect(refused.status).toBe(400);
		expect(refused.body.error?.code).toBe("invalid_request");
		const message = refused.body.error?.message ?? "";
		// docs/api.md quotes the start; the rest names the SKU and does not claim a reset was made.
		expect(message).toMatch(/^Idempotency-Key was already used /);
		expect(message).toContain(`another SKU (${first})`);
		expect(message).toMatch(/first sent to reset, whether that reset was made or refused/);
		expect(message).not.toMatch(/used to reset/);
		expect(await resetsIn(other)).toHaveLength(0);
		expect((await resetsIn(first)).map((e) => e.detail?.idempotencyKey)).not.toContain(key);
	});
});
