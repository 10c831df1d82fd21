// A repeated Idempotency-Key against the per-session reserve limit (docs/api.md: a
// repeat "returns the original response (same reservationId, same status code)").
// A replay is answered before the limit is consulted and is not counted in the
// session's window (docs/decisions/055-replays-and-the-live-feed.md): a buyer whose
// answer was lost can always learn it, and retrying it never costs a fresh attempt.
// Real Worker and SKU object inside workerd, RATE_LIMITS=on, on the request clock
// (each call names its moment), so no verdict depends on how busy the machine is.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ReserveLimits } from "../../src/ratelimit/config.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { ADMIN, createProduct } from "./helpers.ts";
import { freshIp, limited, readerOf } from "./ratelimit-support.ts";

type Stats = { rejected: Record<string, number>; reserved: number };

/**
 * A buyer who read a fresh product (10 units), under a per-session reserve limit of `limit`, and
 * its keyed reserve on the request clock: irregular gaps, well apart, so no bot signal and one
 * window for the whole test.
 */
async function keyedBuyer(limit: number, mode?: "eventual") {
	const vars = { RATE_LIMIT_RESERVE: String(limit) };
	const { sku, token, ip, clock } = await readerOf(10, vars);
	let step = 0;
	const reserve = (key: string) =>
		limited<Reservation>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: mode === undefined ? { sku } : { sku, mode },
			headers: { "idempotency-key": key },
			atMs: clock.advance(150 + (step++ % 4) * 37),
		});
	return { sku, reserve };
}

describe("Idempotency-Key replays and the per-session reserve limit", () => {
	it("a replay is answered as it was even past the limit, and replays use up none of it", async () => {
		const { sku, reserve } = await keyedBuyer(3);

		const first = await reserve("k0");
		expect(first.status).toBe(201);
		const id0 = first.body.data?.reservationId;
		// Three replays of the first key: the original answer each time.
		for (let i = 0; i < 3; i++) {
			const again = await reserve("k0");
			expect(again.status).toBe(201);
			expect(again.body.data?.reservationId).toBe(id0);
		}
		// The replays took nothing from the window: two more fresh keys fit in the limit of 3.
		const second = await reserve("k1");
		const third = await reserve("k2");
		expect([second.status, third.status]).toEqual([201, 201]);
		// The fourth fresh key is over the limit.
		const refused = await reserve("k3");
		expect(refused.status).toBe(429);
		expect((refused.body as { error?: { code: string } }).error?.code).toBe("rate_limited");
		// Over the limit, a replay still gets its original answer, not 429.
		const replayOver = await reserve("k1");
		expect(replayOver.status).toBe(201);
		expect(replayOver.body.data?.reservationId).toBe(second.body.data?.reservationId);

		const stats = await limited<Stats>("GET", `/api/admin/products/${sku}/stats`, {
			ip: freshIp(),
			token: ADMIN,
		});
		expect(stats.body.data?.reserved).toBe(3);
		expect(stats.body.data?.rejected["rate_limited.reserve"]).toBe(1);
	});

	it("the demo's eventual mode answers a replay as it was too, past the limit and uncounted", async () => {
		const { reserve } = await keyedBuyer(2, "eventual");

		const first = await reserve("e0");
		expect(first.status).toBe(201);
		const id0 = first.body.data?.reservationId;
		for (let i = 0; i < 3; i++) {
			const again = await reserve("e0");
			expect(again.status).toBe(201);
			expect(again.body.data?.reservationId).toBe(id0);
		}
		// The replays took nothing from the window: one more fresh key fits in the limit of 2.
		expect((await reserve("e1")).status).toBe(201);
		expect((await reserve("e2")).status).toBe(429);
		// Over the limit, a replay still gets its original answer.
		const replayOver = await reserve("e0");
		expect(replayOver.status).toBe(201);
		expect(replayOver.body.data?.reservationId).toBe(id0);
	});

	it("the same key twice in one call is decided once and counted once, in arrival order", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 5 });
		const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
		// One fresh attempt a window for everyone: a second counted attempt would be 429.
		const limits: ReserveLimits = {
			windowMs: 60_000,
			verified: 1,
			new: 1,
			suspected: 1,
			flaggedForMs: 60_000,
			windowAtArrival: false,
		};
		const attempt = (n: number, key: string) => ({
			id: `rsv_dup${n}~${sku}`,
			sessionId: "dup-session",
			quantity: 1,
			idempotencyKey: key,
			arrivedAtMs: Date.now() + n * 150,
		});
		const [first, again, other] = await stub.reserve(
			[attempt(0, "same"), attempt(1, "same"), attempt(2, "other")],
			limits,
		);
		expect(first).toMatchObject({ ok: true, reservation: { reservationId: `rsv_dup0~${sku}` } });
		expect(again).toEqual({ ...first, replayed: true });
		// The limit still binds fresh keys: the third attempt is the second one counted.
		expect(other).toMatchObject({ ok: false, code: "rate_limited" });
	});
});
