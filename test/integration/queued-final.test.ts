// A 429 `queued` for a ticket that can never be admitted (docs/waiting-room.md,
// "Ticket states": one admission per ticket, one ticket per session; sold out is
// final) says so, and asks a client that honours Retry-After to wait the longest
// (QUEUED_RETRY_MAX_SECONDS), not the 5 s that read as "your turn is coming".
// The contract's parts stay: 429, code `queued`, `error.ticket`.

import { describe, expect, it } from "vitest";
import { QUEUED_RETRY_MAX_SECONDS } from "../../src/inventory/waiting-room.ts";
import type { Ticket } from "../../src/shared/types.ts";
import { pay, reserve } from "./checkout-support.ts";
import { withHeldClock } from "./held-clock.ts";
import { call, newSession } from "./helpers.ts";
import { createRoom, join } from "./room-support.ts";

async function refused(sku: string, token: string) {
	const res = await call("POST", "/api/reservations", { token, body: { sku, quantity: 1 } });
	expect(res.status).toBe(429);
	expect(res.body.error?.code).toBe("queued");
	const ticket = (res.body.error as unknown as { ticket: Ticket }).ticket;
	return {
		ticket,
		message: String(res.body.error?.message),
		retryAfter: res.headers.get("retry-after"),
	};
}

describe("a final ticket's 429 queued", () => {
	for (const shards of [1, 2]) {
		it(`says an expired ticket's turn is over (${shards} object${shards === 1 ? "" : "s"})`, async () => {
			const sku = await createRoom({ totalStock: 1, shards }, { admitSeconds: 10 });
			const [a, b] = await Promise.all([newSession(), newSession()]);
			const admitted = (await join(sku, a)).body.data as Ticket;
			expect(admitted.state).toBe("admitted");
			expect((await join(sku, b)).body.data?.state).toBe("waiting");
			// b's ticket waits for a turn: the sentence and Retry-After say wait.
			const waiting = await refused(sku, b);
			expect(waiting.ticket.state).toBe("waiting");
			expect(waiting.message).toMatch(/reserve once admitted/);

			await withHeldClock(async (setMs) => {
				setMs(Date.parse(admitted.admittedUntil as string) + 1_000);
				const over = await refused(sku, a);
				expect(over.ticket.state).toBe("expired");
				expect(over.message).toMatch(/turn to reserve is over/);
				expect(over.message).toMatch(/one admission/);
				expect(over.message).not.toMatch(/reserve once admitted/);
				expect(over.retryAfter).toBe(String(QUEUED_RETRY_MAX_SECONDS));
			});
		});

		it(`says a sold-out ticket is sold out (${shards} object${shards === 1 ? "" : "s"})`, async () => {
			const sku = await createRoom({ totalStock: 1, shards });
			const [a, late] = await Promise.all([newSession(), newSession()]);
			expect((await join(sku, a)).body.data?.state).toBe("admitted");
			expect((await pay(a, await reserve(a, sku), "pm_card_visa")).status).toBe(200);
			// The room learns of the sale (on a split SKU through the shard's report).
			let ticket: Ticket | undefined;
			for (let tries = 0; tries < 50 && ticket?.state !== "sold_out"; tries++) {
				ticket = (await join(sku, late)).body.data;
				if (ticket?.state !== "sold_out") await new Promise((r) => setTimeout(r, 100));
			}
			expect(ticket?.state).toBe("sold_out");
			let answer = await refused(sku, late);
			// A shard may answer from its short memo of the coordinator's last answer first.
			for (let tries = 0; tries < 50 && answer.ticket?.state !== "sold_out"; tries++) {
				await new Promise((r) => setTimeout(r, 100));
				answer = await refused(sku, late);
			}
			expect(answer.ticket.state).toBe("sold_out");
			expect(answer.message).toMatch(/^Sold out/);
			expect(answer.message).not.toMatch(/reserve once admitted/);
			expect(answer.retryAfter).toBe(String(QUEUED_RETRY_MAX_SECONDS));
		});
	}
});
