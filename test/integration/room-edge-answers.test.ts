// A SKU with a waiting room whose units are all held, not sold (docs/waiting-room.md, "Reserve
// gate"; docs/decisions/106-room-answers-limits-and-the-cost-lock.md): a session that is not
// admitted is answered 429 `queued` with its ticket whether or not it sends an Idempotency-Key.
// The edge's copy says no unit is available, but a held unit may come back and admit the
// ticket, so its sold_out would be neither the contract's answer nor final.

import { describe, expect, it } from "vitest";
import type { Availability, Reservation, Ticket } from "../../src/shared/types.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, newSession } from "./helpers.ts";
import { createRoom, join } from "./room-support.ts";

const reserve = (sku: string, token: string, headers: Record<string, string> = {}) =>
	call<Reservation>("POST", "/api/reservations", { token, body: { sku }, headers });

function expectQueued(
	res: Awaited<ReturnType<typeof reserve>>,
	state: Ticket["state"] | null,
	what: string,
): void {
	expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(429);
	expect(res.body.error?.code).toBe("queued");
	const ticket = (res.body.error as unknown as { ticket: Ticket | null }).ticket;
	expect(ticket?.state ?? null, what).toBe(state);
	expect(res.headers.get("retry-after")).not.toBeNull();
}

describe("a room SKU whose units are all held", { timeout: 60_000 }, () => {
	for (const shards of [1, 2]) {
		const shape = shards === 1 ? "one object" : "split";
		it(`answers a waiting session 429 queued with or without a key (${shape})`, async () => {
			const sku = await createRoom({ totalStock: 1, shards }, { admitSeconds: 60 });
			const [a, b, c] = await Promise.all([newSession(), newSession(), newSession()]);
			expect((await join(sku, a)).body.data?.state).toBe("admitted");
			expect((await join(sku, b)).body.data?.state).toBe("waiting");
			const held = await reserve(sku, a);
			expect(held.status, JSON.stringify(held.body)).toBe(201);

			await withHeldClock(async () => {
				// The edge's copy, fresh on the held clock: nothing available, one unit held.
				const availability = await call<Availability>("GET", `/api/products/${sku}/availability`);
				expect(availability.body.data).toMatchObject({ available: 0, reserved: 1 });
				expectQueued(await reserve(sku, b), "waiting", "waiting, no key");
				expectQueued(
					await reserve(sku, b, { "idempotency-key": crypto.randomUUID() }),
					"waiting",
					"waiting, keyed",
				);
				expectQueued(await reserve(sku, c), null, "no ticket, no key");
				expectQueued(
					await reserve(sku, c, { "idempotency-key": crypto.randomUUID() }),
					null,
					"no ticket, keyed",
				);
			});

			// The held unit comes back: the waiting ticket is admitted and reserves it.
			const id = held.body.data?.reservationId as string;
			expect((await call("DELETE", `/api/reservations/${id}`, { token: a })).status).toBe(200);
			let ticket: Ticket | undefined;
			for (let tries = 0; tries < 50 && ticket?.state !== "admitted"; tries++) {
				ticket = (await join(sku, b)).body.data;
				if (ticket?.state !== "admitted") await new Promise((r) => setTimeout(r, 100));
			}
			expect(ticket?.state).toBe("admitted");
			expect((await reserve(sku, b)).status).toBe(201);
		});
	}

	it("a split SKU's sold-out memo is not repeated to a session the room has not admitted", async () => {
		// Overbook 1: two admissions for the one unit, so an admitted session meets the shards'
		// "nothing left anywhere" while the unit is held.
		const sku = await createRoom({ totalStock: 1, shards: 2 }, { admitSeconds: 60, overbook: 1 });
		const [a, c, b] = await Promise.all([newSession(), newSession(), newSession()]);
		expect((await join(sku, a)).body.data?.state).toBe("admitted");
		expect((await join(sku, c)).body.data?.state).toBe("admitted");
		expect((await join(sku, b)).body.data?.state).toBe("waiting");
		expect((await reserve(sku, a)).status).toBe(201);
		await withHeldClock(async () => {
			// Admitted, nothing available anywhere: the truth is sold_out, keyed or not.
			const admitted = await reserve(sku, c);
			expect(admitted.body.error?.code, JSON.stringify(admitted.body)).toBe("sold_out");
			expectQueued(await reserve(sku, b), "waiting", "waiting after a sold_out, no key");
		});
	});
});
