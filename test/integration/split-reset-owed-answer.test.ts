// The operator's answer to a split SKU's reset that some shard has not done yet
// (docs/decisions/124-a-split-reset-owed.md): 503 `unavailable`, the reset made and owed, finished
// by the SKU's object by itself. The answer says what to do
// (docs/decisions/134-an-owed-reset-keeps-the-new-drops-holds.md): an unkeyed operator is told not
// to send it again (a repeat is a new reset, and meets the one-a-minute limit), a keyed one to
// repeat the key. Before, the answer said "retry shortly", and the unkeyed retry met 429.

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { ADMIN, call } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { buyersOnEveryShard, createSharded, heldOnShards, reserve } from "./shards-support.ts";
import { coordinator, withShardsUnreachable } from "./shards-unreachable.ts";

const SHARDS = 4;

async function heldSku(): Promise<string> {
	const sku = await createSharded(40, SHARDS, 5, 3600);
	for (const b of await buyersOnEveryShard(SHARDS, 1))
		expect((await reserve(b, sku)).status).toBe(201);
	return sku;
}

describe("a split reset some shard has not done yet: the operator's answer", {
	timeout: 60_000,
}, () => {
	it("unkeyed: 503 saying the reset is made and not to send it again; it finishes by itself", async () => {
		const sku = await heldSku();
		const ip = freshIp();
		const reset = (headers: Record<string, string> = {}) =>
			limited("POST", `/api/admin/products/${sku}/reset`, { ip, token: ADMIN, headers });
		const first = await withShardsUnreachable(sku, () => reset());
		expect(first.status).toBe(503);
		expect(first.body).toMatchObject({ error: { code: "unavailable" } });
		const message = String((first.body as { error: { message: string } }).error.message);
		expect(message).toContain("The reset is made");
		expect(message).toContain("do not send it again");
		expect(first.headers.get("retry-after")).toBe("1");
		// What the message warns of: an unkeyed repeat is a new reset, and the limit refuses it.
		expect((await reset()).status).toBe(429);
		// The reset finishes by itself (the alarm), and a read shows it.
		await runDurableObjectAlarm(coordinator(sku));
		expect(await heldOnShards(sku, SHARDS)).toBe(0);
		const shown = await call<Product>("GET", `/api/products/${sku}`);
		expect(shown.body.data?.availability).toMatchObject({ reserved: 0, available: 40 });
	});

	it("keyed: 503 saying to repeat the key, whose repeat answers 200 past the limit", async () => {
		const sku = await heldSku();
		const ip = freshIp();
		const headers = { "idempotency-key": crypto.randomUUID() };
		const reset = () =>
			limited("POST", `/api/admin/products/${sku}/reset`, { ip, token: ADMIN, headers });
		const first = await withShardsUnreachable(sku, reset);
		expect(first.status).toBe(503);
		const message = String((first.body as { error: { message: string } }).error.message);
		expect(message).toContain("repeat it with the same Idempotency-Key");
		const repeat = await reset();
		expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
		expect(await heldOnShards(sku, SHARDS)).toBe(0);
	});
});
