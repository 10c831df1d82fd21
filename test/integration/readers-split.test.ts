// A split SKU's ticket holder's read (docs/decisions/102-stored-reads-on-shards-and-their-cost.md):
// the read rides with the ticket into the coordinator's `readers` table (the join goes to the
// coordinator), but the session's attempts are judged by its own shard. The coordinator says
// whether the session read with each admission it pushes and each answer about a session
// (room-shards.ts), so the shard's tier and the coordinator's figures read the same fact.
// Attempts sent to the shard's stub without the edge's word (`priorRead: false`, as from an
// isolate that never saw the read), with the new tier cut to 1 attempt a minute.

import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName, shardOf } from "../../src/domain/escrow.ts";
import type { ReserveLimits } from "../../src/ratelimit/config.ts";
import type { Ticket } from "../../src/shared/types.ts";
import { newId } from "../../src/worker/ids.ts";
import { call, DEBUG } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { freshIp, limited } from "./ratelimit-support.ts";
import { createRoomProduct } from "./room-support.ts";

const vars = { RATE_LIMIT_RESERVE_NEW: "1" };
const SHARDS = 4;
const LIMITS: ReserveLimits = {
	windowMs: 60_000,
	verified: 200,
	new: 1,
	suspected: 1,
	flaggedForMs: 600_000,
	windowAtArrival: false,
};

/** A session whose shard is not the coordinator, that read the product and joined the room. */
async function admittedReader(sku: string): Promise<{ sessionId: string; shard: number }> {
	for (let i = 0; i < 40; i++) {
		const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
			body: { turnstileToken: DEBUG },
		});
		const s = res.body.data;
		if (s === undefined || shardOf(s.sessionId, SHARDS) === 0) continue;
		const ip = freshIp();
		const read = await limited("GET", `/api/products/${sku}`, { ip, token: s.token, vars });
		expect(read.status).toBe(200);
		const joined = await limited<Ticket>("POST", `/api/products/${sku}/queue`, {
			ip,
			token: s.token,
			vars,
		});
		expect(joined.status, JSON.stringify(joined.body)).toBe(201);
		expect(joined.body.data?.state).toBe("admitted");
		return { sessionId: s.sessionId, shard: shardOf(s.sessionId, SHARDS) };
	}
	throw new Error("no session off shard 0");
}

const twoAttempts = async (sku: string, sessionId: string, shard: number) => {
	const attempt = () => ({
		id: newId("rsv", sku),
		sessionId,
		quantity: 1,
		idempotencyKey: null,
		arrivedAtMs: Date.now(),
		priorRead: false,
	});
	const target = stubOf(shardName(sku, shard));
	const first = await target.reserve([attempt()], LIMITS);
	const second = await target.reserve([attempt()], LIMITS);
	return [...first, ...second];
};

describe("a split SKU's ticket holder's read, judged by its shard", { timeout: 60_000 }, () => {
	it("the admission pushed to the shard says the session read", async () => {
		const product = await createRoomProduct(
			{ totalStock: 40, perUserLimit: 100, shards: SHARDS },
			{ admitSeconds: 300 },
		);
		const { sessionId, shard } = await admittedReader(product.sku);
		const results = await twoAttempts(product.sku, sessionId, shard);
		expect(
			results.map((r) => r.ok),
			JSON.stringify(results),
		).toEqual([true, true]);
	});

	it("after every object slept, the shard asking about the session learns it read", async () => {
		const product = await createRoomProduct(
			{ totalStock: 40, perUserLimit: 100, shards: SHARDS },
			{ admitSeconds: 300 },
		);
		const sku = product.sku;
		const { sessionId, shard } = await admittedReader(sku);
		for (let i = 0; i < SHARDS; i++)
			await evictDurableObject(stubOf(i === 0 ? sku : shardName(sku, i)));
		const results = await twoAttempts(sku, sessionId, shard);
		expect(
			results.map((r) => r.ok),
			JSON.stringify(results),
		).toEqual([true, true]);
	});
});
