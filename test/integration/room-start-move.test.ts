// The operator moves the start of a drop whose waiting room has started
// (docs/decisions/087-room-start-and-public-order.md), in one object and on a SKU split across
// shards: with tickets, a later start is refused (409 naming startsAt) and changes nothing, so
// no admission lapses while nothing can be bought; without tickets the room is re-armed (a new
// committed seed, a pre-queue until the new start). Real time: the objects read Date.now().

import { describe, expect, it } from "vitest";
import { sha256HexSync } from "../../src/domain/sha256.ts";
import type { Product, Reservation, Ticket } from "../../src/shared/types.ts";
import { ADMIN, call, newSession, stats } from "./helpers.ts";
import { createRoomProduct, join, moveStart, PRE_QUEUE_HOLD_MS, ticketOf } from "./room-support.ts";

const product = async (sku: string) =>
	(await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;
const patchStart = (sku: string, startsAtMs: number | null) =>
	call<Product>("PATCH", `/api/admin/products/${sku}`, {
		token: ADMIN,
		body: { startsAt: startsAtMs === null ? null : new Date(startsAtMs).toISOString() },
	});

describe.concurrent("moving the start of a started waiting room", { timeout: 90_000 }, () => {
	for (const shards of [1, 4]) {
		it(`with tickets: a later start is 409 naming startsAt and changes nothing; the admitted still reserve (shards ${shards})`, async () => {
			// Started at create (no startsAt); admissions last long enough for the checks.
			const { sku } = await createRoomProduct(
				{ totalStock: 1, perUserLimit: 1, shards },
				{ admitSeconds: 60 },
			);
			const [a, b] = await Promise.all([newSession(), newSession()]);
			await join(sku, a as string);
			await join(sku, b as string);
			const before = await Promise.all([ticketOf(sku, a as string), ticketOf(sku, b as string)]);
			expect(before.map((t) => t.state).sort()).toEqual(["admitted", "waiting"]);
			const admitted = before[0]?.state === "admitted" ? (a as string) : (b as string);
			const seed = (await product(sku)).waitingRoom?.seed;
			expect(seed).toMatch(/^[0-9a-f]{64}$/);

			const moved = await patchStart(sku, Date.now() + 60_000);
			expect(moved.status, JSON.stringify(moved.body)).toBe(409);
			expect(moved.body.error?.code).toBe("invalid_state");
			expect(moved.body.error?.message).toContain("startsAt");
			// Nothing changed: the start, the seed, the tickets, and the admitted buyer can buy.
			const after = await product(sku);
			expect(after.startsAt).toBeNull();
			expect(after.availability.status).not.toBe("scheduled");
			expect(after.waitingRoom?.seed).toBe(seed);
			const now = await Promise.all([ticketOf(sku, a as string), ticketOf(sku, b as string)]);
			expect(now.map((t) => t.state)).toEqual(before.map((t) => t.state));
			const held = await call<Reservation>("POST", "/api/reservations", {
				token: admitted,
				body: { sku, quantity: 1 },
			});
			expect(held.status, JSON.stringify(held.body)).toBe(201);
			expect((await stats(sku)).queue).toMatchObject({ lapsed: 0, admittedTotal: 1 });

			// A start at or before now, and the stored start re-sent, change no admission: accepted.
			expect((await patchStart(sku, Date.now() - 1_000)).status).toBe(200);
			expect((await patchStart(sku, null)).status).toBe(200);
			expect((await patchStart(sku, null)).status).toBe(200);
		});

		it(`without tickets: a later start re-arms the room (new seed committed, a pre-queue until the new start) (shards ${shards})`, async () => {
			const created = await createRoomProduct({ totalStock: 2, perUserLimit: 1, shards });
			const sku = created.sku;
			const first = await product(sku);
			expect(first.waitingRoom?.seed).toMatch(/^[0-9a-f]{64}$/);

			const moved = await patchStart(sku, Date.now() + PRE_QUEUE_HOLD_MS);
			expect(moved.status, JSON.stringify(moved.body)).toBe(200);
			const rearmed = moved.body.data as Product;
			expect(rearmed.availability.status).toBe("scheduled");
			expect(rearmed.waitingRoom?.seed).toBeNull();
			expect(rearmed.waitingRoom?.seedCommitment).toMatch(/^[0-9a-f]{64}$/);
			expect(rearmed.waitingRoom?.seedCommitment).not.toBe(first.waitingRoom?.seedCommitment);
			// A join now waits in the pre-queue: nobody is admitted before the new start.
			const buyer = await newSession();
			const ticket = (await join(sku, buyer)).body.data as Ticket;
			expect(ticket).toMatchObject({ state: "waiting", position: null });
			expect((await stats(sku)).queue).toMatchObject({ admitted: 0, admittedTotal: 0 });
			// At the new start the new seed is revealed against the new commitment.
			await moveStart(sku, 300, 300);
			const started = await product(sku);
			expect(sha256HexSync(started.waitingRoom?.seed as string)).toBe(
				rearmed.waitingRoom?.seedCommitment,
			);
			expect((await ticketOf(sku, buyer)).state).toBe("admitted");
		});
	}
});
