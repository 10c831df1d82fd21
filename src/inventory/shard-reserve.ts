// The reserve path of one shard of a split SKU (docs/decisions/020-escrow-shards.md):
// the attempts join the shard's group commit like a one-object SKU's, after the
// room and the escrow have had their say.

import type { Inventory } from "../domain/inventory.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import { NO_ROWS, type ReserveOp } from "./batch-decisions.ts";
import type { ShardEscrow } from "./escrow-shard.ts";
import { pastTheRoom } from "./room-shard-gate.ts";
import type { RoomLink } from "./room-shards.ts";
import type { ReserveAnswer, ReserveRequest } from "./rpc.ts";
import type { RoomKeeper } from "./waiting-room.ts";

/** What a shard's reserve needs of its object (inventory/object.ts). */
export interface ShardReserveHost {
	/** The room between the objects of the SKU (inventory/room-shards.ts). */
	roomLink: RoomLink | null;
	room: RoomKeeper;
	/** The shard's model (its allotment, holds and per-session usage). */
	inventory(): Inventory | null;
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
	const past = await pastTheRoom(host.roomLink, host.room, attempts);
	// Only the units the attempts may take: a session its purchase limit refuses takes none,
	// so it neither makes the shard ask for units nor keeps any from a fold-back (else a buyer
	// of another shard could be answered sold_out while this shard holds a unit nobody here
	// can take: docs/decisions/073-room-and-escrow-after-a-restart.md). Nor does a session
	// claim past its limit across its calls in flight: a call that would waits for the
	// session's calls before it (docs/decisions/121-a-sessions-claims-in-flight.md).
	const { units: claimed, refusedUnits, ended } = await claimAndHold(host, escrow, past);
	try {
		await escrow.admit(claimed);
		try {
			return await decide(host, escrow, attempts, limits, refusedUnits);
		} finally {
			escrow.decided(claimed);
		}
	} finally {
		ended();
	}
}

/**
 * Rounds a call may wait for the same sessions' calls in flight before it claims as the
 * shard stands (each round ends when those calls are decided; a session sending without
 * pause could otherwise keep a call waiting).
 */
export const MAX_CLAIM_WAITS = 3;

/**
 * The call's claims, counted with the same sessions' claims in flight and held in the same
 * turn (no await between the count and the hold, so two calls never both count none in
 * flight). When a session would pass its limit only by those, the call waits for them to be
 * decided and counts again. `ended` gives the claims up once the call is decided.
 */
async function claimAndHold(
	host: ShardReserveHost,
	escrow: ShardEscrow,
	attempts: ReserveRequest[],
): Promise<Claims & { ended: () => void }> {
	const inFlight = (sessionId: string) => escrow.sessionClaims.units(sessionId);
	for (let round = 0; round < MAX_CLAIM_WAITS; round++) {
		const counted = claims(host.inventory(), attempts, inFlight);
		if (counted.waitFor.length === 0) {
			return { ...counted, ended: escrow.sessionClaims.hold(counted.perSession) };
		}
		await escrow.sessionClaims.settled(counted.waitFor);
	}
	const counted = claims(host.inventory(), attempts);
	return { ...counted, ended: escrow.sessionClaims.hold(counted.perSession) };
}

async function decide(
	host: ShardReserveHost,
	escrow: ShardEscrow,
	attempts: ReserveRequest[],
	limits: ReserveLimits | null,
	refusedUnits: number,
): Promise<ReserveAnswer> {
	const shards = escrow.shards;
	// Whether a refused session is told purchase_limit or sold_out is the SKU's stock, not
	// this shard's: counted outside it only when the shard alone cannot say
	// (docs/decisions/080-split-sku-limit-and-paged-recount.md).
	const stockElsewhere =
		refusedUnits > 0 && escrow.unclaimed() < refusedUnits
			? await escrow.stockElsewhere(refusedUnits)
			: 0;
	const answer = await host.submit({
		kind: "reserve",
		attempts,
		limits,
		...(stockElsewhere > 0 ? { stockElsewhere } : {}),
	});
	// This shard's counters are not the SKU's: the edge takes its copy from the coordinator.
	// The memo's remainder, not a flag: the edge repeats the sold-out only as long as the memo
	// lasts, not a fresh bound of its own from when it heard (worker/edge-snapshot.ts).
	// Not with the room on: its gate answers a session it has not admitted 429 `queued`
	// whatever the stock, so the shard's sold_out to an admitted one is not everyone's
	// (docs/decisions/106-room-answers-limits-and-the-cost-lock.md).
	const gates = roomOn(host);
	const memoLeftMs = escrow.soldOutMemoLeftMs(Date.now());
	const skuSoldOut =
		memoLeftMs > 0 && answer.results.every((r) => !r.ok && r.code === "sold_out") && !gates;
	return {
		...answer,
		snapshot: null,
		shards,
		...(skuSoldOut ? { skuSoldOutForMs: memoLeftMs } : {}),
	};
}

/** The SKU's waiting room gates this object's reserves (a shard's link, or the coordinator's own room). */
function roomOn(host: ShardReserveHost): boolean {
	return host.roomLink?.gating() === true || host.room.info()?.enabled === true;
}

/**
 * Units the attempts may take as the shard stands: none for a session already at its purchase
 * limit, nor for one cooling down after its own unpaid hold (domain/hold-cooldown.ts).
 */
export function claimable(
	inv: Inventory | null,
	attempts: { sessionId: string; quantity: number }[],
): number {
	return claims(inv, attempts).units;
}

/** What a call's attempts claim (see `claims`). */
export interface Claims {
	/** Units the attempts may take. */
	units: number;
	/**
	 * The largest quantity among those its purchase limit or a cool-down refuses as the shard
	 * stands (0 when none is).
	 */
	refusedUnits: number;
	/** The claimed units per session (sessions claiming none left out). */
	perSession: Map<string, number>;
	/** Sessions an attempt of which passes the limit only with the session's claims in flight. */
	waitFor: string[];
}

/**
 * What a call's attempts may take and refuse as the shard stands. With `inFlight` (the units
 * the session's other calls in flight claimed), an attempt those would take past the limit
 * claims nothing and names its session in `waitFor`: it can take a unit only if those calls
 * do not (docs/decisions/121-a-sessions-claims-in-flight.md).
 */
export function claims(
	inv: Inventory | null,
	attempts: { sessionId: string; quantity: number }[],
	inFlight?: (sessionId: string) => number,
	nowMs: number = Date.now(),
): Claims {
	const perSession = new Map<string, number>();
	if (inv === null) {
		let units = 0;
		for (const a of attempts) {
			units += a.quantity;
			perSession.set(a.sessionId, (perSession.get(a.sessionId) ?? 0) + a.quantity);
		}
		return { units, refusedUnits: 0, perSession, waitFor: [] };
	}
	const limit = inv.product.perUserLimit;
	const waitFor = new Set<string>();
	let units = 0;
	let refusedUnits = 0;
	for (const a of attempts) {
		const asked = perSession.get(a.sessionId) ?? 0;
		const used = inv.usageOf(a.sessionId) + asked;
		// Refused either way, it takes no unit; the SKU's stock then decides sold_out or not.
		if (used + a.quantity > limit || inv.cooldownOf(a.sessionId, nowMs).kind === "cooling") {
			refusedUnits = Math.max(refusedUnits, a.quantity);
			continue;
		}
		const elsewhere = inFlight?.(a.sessionId) ?? 0;
		if (elsewhere > 0 && used + elsewhere + a.quantity > limit) {
			waitFor.add(a.sessionId);
			continue;
		}
		perSession.set(a.sessionId, asked + a.quantity);
		units += a.quantity;
	}
	return { units, refusedUnits, perSession, waitFor: [...waitFor] };
}
