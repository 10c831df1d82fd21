// Reserve attempts and answers as the coalescer (src/worker/reserve-coalescer.ts) sees
// them, for its unit tests, which only care about ids, order and timing.

import type { ReserveAnswer, ReserveRequest } from "../../src/inventory/rpc.ts";

/** One unit for its own session, no idempotency key. */
export function oneUnitAttempt(id: string): ReserveRequest {
	return { id, sessionId: id, quantity: 1, idempotencyKey: null };
}

/** The object's answer to a call: every attempt of it sold out, no rows, no snapshot. */
export function soldOutAnswer(attempts: readonly ReserveRequest[]): ReserveAnswer {
	return {
		results: attempts.map((a) => ({ ok: false, code: "sold_out", id: a.id }) as never),
		sqlRows: { read: 0, written: 0 },
		snapshot: null,
	};
}
