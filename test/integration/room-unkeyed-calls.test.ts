// What unkeyed attempts on a sold-out room SKU cost in object calls (docs/hot-path/how-it-works.md, "Answers
// at the edge"; docs/decisions/114-unkeyed-attempts-on-a-room-sku.md). No edge answer serves them
// (decision 106: the room's 429 `queued` comes before the stock), so a burst of them reaches the
// objects; the edge's coalescer bounds it to shared calls, one batch per object, on a one-object
// SKU and on each shard of a split one. The calls are counted as the answers report them
// (meta.cost.usage.doRequests: a shared call counts on its leader's answer).

import { describe, expect, it } from "vitest";
import type { CostLedger, Reservation, Ticket } from "../../src/shared/types.ts";
import { call, newSession } from "./helpers.ts";
import { createRoom } from "./room-support.ts";

/** Attempts sent at once, from SESSIONS sessions that never joined the queue. */
const BURST = 64;
const SESSIONS = 8;

const reserve = (sku: string, token: string, headers: Record<string, string> = {}) =>
	call<Reservation>("POST", "/api/reservations", { token, body: { sku }, headers });

type Answer = Awaited<ReturnType<typeof reserve>>;

/** The room's answer to a session with no ticket, and the object calls its request made. */
function queuedCalls(res: Answer, what: string): number {
	expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(429);
	expect(res.body.error?.code).toBe("queued");
	expect((res.body.error as unknown as { ticket: Ticket | null }).ticket).toBeNull();
	const cost = (res.body.meta as { cost?: CostLedger } | undefined)?.cost;
	if (cost === undefined) throw new Error(`${what}: no meta.cost`);
	return cost.usage.doRequests;
}

describe("unkeyed attempts on a sold-out room SKU", { timeout: 60_000 }, () => {
	for (const shards of [1, 2]) {
		const shape = shards === 1 ? "one object" : "split";
		it(`share their object's calls (${shape})`, async () => {
			const sku = await createRoom({ totalStock: 1, shards }, { admitSeconds: 60 });
			const buyer = await newSession();
			const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: buyer });
			expect(joined.body.data?.state).toBe("admitted");
			expect((await reserve(sku, buyer)).status).toBe(201);

			const tokens = await Promise.all(Array.from({ length: SESSIONS }, () => newSession()));
			// One attempt each first: this isolate learns the SKU's shape and its room, and opens
			// each session's cost ledger entry (a call of its own, not the SKU's).
			for (const [i, token] of tokens.entries())
				queuedCalls(await reserve(sku, token), `first ${i}`);

			const burst = await Promise.all(
				Array.from({ length: BURST }, (_, i) => reserve(sku, tokens[i % SESSIONS] as string)),
			);
			const calls = burst.reduce((sum, res, i) => sum + queuedCalls(res, `burst ${i}`), 0);
			// One call per attempt is BURST; shared calls are a few per object (plus at most a
			// ledger flush per ledger group).
			expect(calls, `${calls} object calls for ${BURST} attempts`).toBeLessThanOrEqual(BURST / 4);

			// The same answer with a key, which always reaches the object (decision 106).
			queuedCalls(
				await reserve(sku, tokens[0] as string, { "idempotency-key": crypto.randomUUID() }),
				"keyed",
			);
		});
	}
});
