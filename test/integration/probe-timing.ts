// What the room's probes print (room-start-time and room-load-time: figures only when asked,
// never a verdict): how long a step took in the isolate, a median of rounds, and the big
// pre-queue both measure.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { insertTicketRows, setNextSeq } from "./room-rows.ts";
import { createRoomProduct, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

/** Milliseconds `fn` took, by the isolate's clock (which moves across I/O). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
	const t = Date.now();
	await fn();
	return Date.now() - t;
}

export const median = (xs: number[]) =>
	[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** One line of figures: the label, the median and every round's. */
export const show = (label: string, xs: number[]) =>
	console.log(`${label.padEnd(34)} median ${median(xs)} ms  (${xs.join(", ")})`);

/**
 * A room product whose pre-queue holds `tickets` rows written straight into its storage (one
 * per session, in arrival order), the object then evicted: the next call loads them all.
 */
export async function bigPreQueue(tickets: number): Promise<string> {
	const product = await createRoomProduct({
		totalStock: 4,
		startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
	});
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(product.sku));
	await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => {
		insertTicketRows(state.storage.sql, {
			count: tickets,
			ticketPrefix: "t-",
			sessionPrefix: "s-",
			seqOffset: 0,
			joinedAt: Date.now(),
		});
		setNextSeq(state.storage.sql, tickets + 1);
	});
	await evictDurableObject(stub);
	return product.sku;
}
