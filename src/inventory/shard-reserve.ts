// The reserve path of one shard of a split SKU (docs/decisions/020-escrow-shards.md):
// the attempts join the shard's group commit like a one-object SKU's, after the
// room and the escrow have had their say.

import type { ReserveLimits } from "../ratelimit/config.ts";
import { NO_ROWS, type ReserveOp } from "./batch-decisions.ts";
import type { ShardEscrow } from "./escrow-shard.ts";
import { unitsPastTheRoom } from "./room-shard-gate.ts";
import type { RoomLink } from "./room-shards.ts";
import type { ReserveAnswer, ReserveRequest } from "./rpc.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** What a shard's reserve needs of its object (inventory/object.ts). */
export interface ShardReserveHost {
	/** The room between the objects of the SKU (inventory/room-shards.ts). */
	roomLink: RoomLink | null;
	room: RoomKeeper;
	/** Joins the object's next group commit (inventory/decide-group.ts). */
	submit(op: ReserveOp): Promise<ReserveAnswer>;
}

/**
 * A shard of a split SKU: only the sessions that hash to it (so their limits and
 * replays stay exact); it asks for more units before it would answer sold_out.
 */
export async function reserveSharded(
	host: ShardReserveHost,
	escrow: ShardEscrow,
	attempts: ReserveRequest[],
	limits: ReserveLimits | null,
): Promise<ReserveAnswer> {
	const shards = escrow.shards;
	if (!attempts.every((a) => escrow.owns(a.sessionId))) {
		return { results: [], sqlRows: { ...NO_ROWS }, snapshot: null, shards, misrouted: true };
	}
	const units = await unitsPastTheRoom(host.roomLink, host.room, attempts);
	await escrow.admit(units);
	try {
		const answer = await host.submit({
			kind: "reserve",
			attempts,
			limits,
		});
		// This shard's counters are not the SKU's: the edge takes its copy from the coordinator.
		// The memo's remainder, not a flag: the edge repeats the sold-out only as long as the memo
		// lasts, not a fresh bound of its own from when it heard (worker/edge-snapshot.ts).
		const memoLeftMs = escrow.soldOutMemoLeftMs(Date.now());
		const skuSoldOut =
			memoLeftMs > 0 && answer.results.every((r) => !r.ok && r.code === "sold_out");
		return {
			...answer,
			snapshot: null,
			shards,
			...(skuSoldOut ? { skuSoldOutForMs: memoLeftMs } : {}),
		};
	} finally {
		escrow.decided(units);
	}
}
