// A SKU split across shards and a buyer already at the per-buyer limit when the room opens
// (docs/decisions/105-the-rooms-leftovers.md): the coordinator, which keeps the queue, does not
// know the units a session holds in its shard, so the join is not refused; the session's shard
// refuses the reserve (403 `purchase_limit`, as one object would), no unit moves, and the
// unused admission lapses at its end. On one object the same join is refused at once
// (test/integration/room-limit.test.ts).

import { describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { reserve } from "./checkout-support.ts";
import { ADMIN, call, stats } from "./helpers.ts";
import { buyersOnEveryShard, createSharded } from "./shards-support.ts";

const SHARDS = 2;
const ADMIT_SECONDS = 10;

describe("a split SKU's room and a buyer at the limit", { timeout: 90_000 }, () => {
	it("gives the ticket, refuses the reserve at the shard, and the admission lapses unused", async () => {
		const sku = await createSharded(8, SHARDS, 1);
		// One buyer on the coordinator's own shard and one on the other: the same answers.
		const buyers = await buyersOnEveryShard(SHARDS, 1);
		for (const b of buyers) await reserve(b.token, sku, 1);
		const patched = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { waitingRoom: { enabled: true, admitSeconds: ADMIT_SECONDS, overbook: 0 } },
		});
		expect(patched.status, JSON.stringify(patched.body)).toBe(200);

		for (const b of buyers) {
			const joined = await call<Ticket>("POST", `/api/products/${sku}/queue`, { token: b.token });
			expect(joined.status, `shard ${b.shard}: ${JSON.stringify(joined.body)}`).toBe(201);
			expect(joined.body.data?.state).toBe("admitted");
			const refused = await call("POST", "/api/reservations", {
				token: b.token,
				body: { sku, quantity: 1 },
			});
			expect(refused.status, `shard ${b.shard}: ${JSON.stringify(refused.body)}`).toBe(403);
			expect(refused.body.error?.code).toBe("purchase_limit");
		}
		const during = await stats(sku);
		expect(during.reserved).toBe(2);
		expect(during.queue).toMatchObject({ admittedTotal: 2 });

		// The admissions end unused: lapsed once each session's shard confirms it held nothing
		// within the admission (docs/decisions/090-room-tickets-and-ends-while-down.md).
		await sleep(ADMIT_SECONDS * 1000);
		let after = await stats(sku);
		for (let i = 0; i < 60 && after.queue?.lapsed !== 2; i++) {
			await sleep(500);
			after = await stats(sku);
		}
		expect(after.queue).toMatchObject({ admitted: 0, admittedTotal: 2, lapsed: 2 });
		expect(after.reserved).toBe(2);
	});
});
