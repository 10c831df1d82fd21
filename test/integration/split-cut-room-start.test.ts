// A PATCH that cuts a split SKU's total past its pool and moves its waiting room's start later,
// while the room's start falls due during the cut (docs/decisions/188-a-cut-judges-its-start-again.md;
// the room-start sub-case of R36-1 in decision 186). A started room with tickets refuses a later
// start (decision 087: its admissions would lapse while nothing can be bought). A cut awaits the
// shards, so the room may start between the PATCH's first reading and its end: the cut judges its
// PATCH again once the shards have answered, and a refusal then changes nothing.
//
// Before: the start move was judged only when the cut's turn began (the room not started: no
// move), and the cut ended by writing the later start: 200, a started room admitting while the
// product's start lay an hour ahead. Real time: the room starts at Date.now().

import { describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Reservation } from "../../src/shared/types.ts";
import { call, newSession, patch, stats, trail } from "./helpers.ts";
import { createRoomProduct, join, PRE_QUEUE_HOLD_MS, ticketOf } from "./room-support.ts";
import { checkEscrow, escrowOf, expectShardsReplay } from "./shards-support.ts";
import {
	answersThenNoPause,
	coordinatorFlag,
	letCutGoOn,
	operatorChanges,
	type PausePoint,
	pauseAfterShardOneCounted,
} from "./split-cut-pause.ts";

/**
 * How far ahead the start is set before the cut is sent: the cut's turn must begin before it
 * (a bound on a stalled machine, not a measurement: the steps in between take milliseconds).
 */
const START_LEAD_MS = 5_000;

const product = async (sku: string) =>
	(await call<Product>("GET", `/api/products/${sku}`)).body.data as Product;

describe("a split SKU's cut that moves its room's start later", { timeout: 60_000 }, () => {
	for (const at of ["counted", "given back"] satisfies PausePoint[]) {
		it(`is refused 409 naming startsAt when the room started during the cut (paused when shard 1 has ${at === "counted" ? "been counted" : "given its units back"}), and changes nothing`, async () => {
			// 20 units on 2 shards (a cut to 1 needs the shards' units); the room in its pre-queue.
			const created = await createRoomProduct(
				{
					totalStock: 20,
					perUserLimit: 5,
					shards: 2,
					startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
				},
				{ admitSeconds: 60 },
			);
			const sku = created.sku;
			const buyer = await newSession();
			await join(sku, buyer);
			expect((await ticketOf(sku, buyer)).state).toBe("waiting");
			const startsAtMs = Date.now() + START_LEAD_MS;
			const startsAt = new Date(startsAtMs).toISOString();
			const moved = await patch(sku, { startsAt });
			expect(moved.status, JSON.stringify(moved.body)).toBe(200);
			const before = await stats(sku);
			checkEscrow(before);

			await pauseAfterShardOneCounted(sku, at);
			const sent: ReturnType<typeof patch>[] = [];
			try {
				const later = new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString();
				sent.push(patch(sku, { totalStock: 1, startsAt: later }));
				while (!(await coordinatorFlag(sku, (o) => o.cutCounted === true))) await sleep(5);
				// The cut's turn began, and read the PATCH, before the room's start.
				expect(Date.now(), "the cut reached its pause after the start").toBeLessThan(startsAtMs);
				await sleep(startsAtMs - Date.now() + 50);
				// The start is due: the buyer's read reaches the room, which starts and admits them.
				expect((await ticketOf(sku, buyer)).state).toBe("admitted");
			} finally {
				await letCutGoOn(sku);
			}
			const [res] = await answersThenNoPause(sku, sent);
			expect(res?.status, JSON.stringify(res?.body)).toBe(409);
			expect(res?.body.error?.code).toBe("invalid_state");
			expect(res?.body.error?.message).toContain("startsAt");

			// Refused when counted: nothing moved. Refused once the units came back: they stay in
			// the pool, whence the shards' buyers are granted them (as after decision 168's 503).
			const refused = await stats(sku);
			checkEscrow(refused);
			if (at === "counted") expect(escrowOf(refused)).toEqual(escrowOf(before));
			else expect(refused.pool).toBeGreaterThan(before.pool ?? 0);

			// Nothing changed: the total, the start, the admitted buyer's chance to buy.
			const after = await product(sku);
			expect(after.totalStock).toBe(20);
			expect(after.startsAt).toBe(startsAt);
			expect(after.availability.status).not.toBe("scheduled");
			expect((await ticketOf(sku, buyer)).state).toBe("admitted");
			const held = await call<Reservation>("POST", "/api/reservations", {
				token: buyer,
				body: { sku, quantity: 1 },
			});
			expect(held.status, JSON.stringify(held.body)).toBe(201);
			const counts = await stats(sku);
			checkEscrow(counts);
			expect(counts.total).toBe(20);
			expect(counts.reserved).toBe(1);
			const events = await trail(sku);
			expect(operatorChanges(events, "totalStock")).not.toContain(1);
			expectShardsReplay(events, counts);
		});
	}
});
