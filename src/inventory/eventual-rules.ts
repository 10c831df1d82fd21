// What eventual mode (worker/eventual.ts) asks of a SKU's object, in one call
// (docs/decisions/159-eventual-reserve-one-call-and-its-d1-budget.md): the drop's rules it decides
// with, whether a reset has yet to reach D1, and for a reserve the object's own gates (its reserve
// limit, then its waiting room), in the order the separate calls made them. Everything here is the
// SKU's own object's: a split SKU's coordinator keeps the whole SKU's total (its escrow ledger),
// the settings its shards are sent, its room and its reset, so no other shard is asked.

import type { Inventory } from "../domain/inventory.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import type { ReserveRefusal } from "../ratelimit/reserve-guard.ts";
import type { EventualAsk, EventualReadRules, JoinResult } from "./rpc.ts";
import { queuedRetryAfterSeconds } from "./waiting-room.ts";

/** The object's parts the gates use: its public RPCs of the same names. */
export interface EventualGates {
	admit(sessionId: string, arrivedAtMs: number, limits: ReserveLimits): ReserveRefusal | null;
	queueTicket(sessionId: string): Promise<JoinResult | { ok: false; code: "not_found" }>;
}

/** The rules alone (`refused` null): `total`, the split SKU's ledger total, null on one object. */
export function eventualRulesOf(
	inv: Inventory,
	total: number | null,
	resetPending: boolean,
): EventualReadRules {
	const p = inv.product;
	return {
		perUserLimit: p.perUserLimit,
		resetPending,
		totalStock: total ?? p.totalStock,
		startsAt: p.startsAtMs === null ? null : new Date(p.startsAtMs).toISOString(),
		holdSeconds: p.holdSeconds,
		refused: null,
	};
}

/**
 * An eventual attempt's gates: the reserve limit (counted, as the `admit` RPC counts it), then,
 * when the SKU has an enabled room, the room's 429 `queued` unless the session is admitted now.
 */
export async function eventualGate(
	gates: EventualGates,
	ask: EventualAsk,
	roomEnabled: boolean,
): Promise<EventualReadRules["refused"]> {
	if (ask.limits !== null) {
		const refusal = gates.admit(ask.sessionId, ask.arrivedAtMs, ask.limits);
		if (refusal !== null) return { ok: false, code: "rate_limited", refusal };
	}
	if (!roomEnabled) return null;
	const found = await gates.queueTicket(ask.sessionId);
	const ticket = found.ok ? found.ticket : null;
	if (ticket?.state === "admitted") return null;
	return { ok: false, code: "queued", ticket, retryAfterSeconds: queuedRetryAfterSeconds(ticket) };
}
