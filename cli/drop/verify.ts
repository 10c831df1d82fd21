// The drop's verdict: a pure function of the server's records and the run's own
// tally. It checks the design's invariants from the records (docs/architecture.md, invariants 1, 2, 4, 5)
// and that the records agree with what the run was answered. Each failure is one
// sentence that names the rule it breaks; a rule broken by many holds is one
// sentence with a count and a few example ids.

import { MAX_QUANTITY } from "../../src/domain/bounds.ts";
import { replay, replayShard, shardTrail } from "../../src/domain/replay.ts";
import type { AuditEvent, HoldStatus, Stats } from "../../src/shared/types.ts";
import { describeAnswer, pairFault } from "./duplicates.ts";
import { peakCommitted } from "./peak.ts";
import { type ServerRecords, type Tally, TERMINAL, type Verdict } from "./types.ts";

/** Example ids quoted per failure; the count says how many there are. */
const MAX_EXAMPLES = 3;

/** The event that ends a hold, and the status it ends in. */
const TERMINAL_EVENT: Partial<Record<AuditEvent["type"], HoldStatus>> = {
	"reservation.cancelled": "CANCELLED",
	"reservation.expired": "EXPIRED",
	"payment.failed": "PAYMENT_FAILED",
	"order.created": "PAID",
};

export function verify(records: ServerRecords, tally: Tally): Verdict {
	const failures: string[] = [];
	const expectedFailures: string[] = [];
	const { stats, events } = records;
	const fail = (message: string) => failures.push(message);
	const failIds = (rule: string, ids: string[]) => {
		if (ids.length === 0) return;
		const examples = ids.slice(0, MAX_EXAMPLES).join(", ");
		fail(
			`${rule}: ${ids.length} hold(s), e.g. ${examples}${ids.length > MAX_EXAMPLES ? ", …" : ""}`,
		);
	};

	// Counters (invariant 1) and sold ≤ stock.
	if (stats.total !== tally.stock)
		fail(`stock: the records say ${stats.total} units, the run created ${tally.stock}`);
	if (stats.available + stats.reserved + stats.sold !== stats.total || stats.available < 0) {
		fail(
			`counters: available ${stats.available} + reserved ${stats.reserved} + sold ${stats.sold} must equal total ${stats.total} with available ≥ 0`,
		);
	}
	if (stats.sold > stats.total) fail(`sold ≤ stock: ${stats.sold} units sold of ${stats.total}`);
	if (stats.attempts > tally.attempts) {
		fail(
			`attempts: the records count ${stats.attempts} reserve attempts, the run sent only ${tally.attempts}`,
		);
	}

	// Counters equal the audit replay (invariant 5); a split SKU's shard by shard.
	const shards = stats.shards;
	if (shards === undefined) {
		const replayed = replay(events);
		for (const key of ["total", "available", "reserved", "sold"] as const) {
			if (replayed[key] !== stats[key]) {
				fail(
					`audit replay: ${key} replays to ${replayed[key]} from ${events.length} events, the counters say ${stats[key]}`,
				);
			}
		}
	} else verifyShards(stats, events, fail);

	// Stock over time as the run saw it (invariant 1 at every observed moment).
	const badSamples = tally.samples.filter(
		(s) =>
			s.available < 0 ||
			s.available + s.reserved + s.sold !== s.total ||
			s.reserved + s.sold > s.total,
	);
	if (badSamples.length > 0) {
		const s = badSamples[0];
		fail(
			`availability: ${badSamples.length} sample(s) break available + reserved + sold == total, available ≥ 0 (first at ${s?.tMs} ms: ${JSON.stringify(s)})`,
		);
	}

	// Deliberate duplicate sends: the key's stored answer, one hold (invariant 4); a copy answered
	// with a 429 the server never stores for a key may differ (duplicates.ts).
	const split = tally.duplicates.flatMap((d) => {
		const fault = pairFault(d, records.mode);
		return fault === null ? [] : [{ d, fault }];
	});
	const first = split[0];
	if (first !== undefined) {
		fail(
			`idempotency: ${split.length} Idempotency-Key(s) sent twice got different stored answers or two holds, e.g. ${first.d.key} (${first.fault}): ${first.d.answers.map(describeAnswer).join(" / ")}`,
		);
	}

	if (records.mode === "eventual") {
		// Allocations live in eventual mode's own D1 rows; the SKU object never sees them.
		const allocated = tally.holds.reduce((sum, h) => sum + h.quantity, 0);
		const eventual = stats.eventual;
		let oversell = Math.max(0, allocated - tally.stock);
		if (eventual === undefined) {
			fail("eventual: the stats carry no `eventual` block, so its allocations cannot be checked");
		} else if (eventual === null) {
			// docs/api.md, "D1 and KV outages": the count lives in D1, which could not be read.
			fail("eventual: D1 could not be read, so its allocations cannot be checked");
		} else {
			// Unanswered requests may have allocated (up to MAX_QUANTITY units each) unseen.
			const unseenMax = tally.unanswered * MAX_QUANTITY;
			if (eventual.allocated < allocated || eventual.allocated > allocated + unseenMax) {
				fail(
					`eventual allocations: the records count ${eventual.allocated} units, the run was granted ${allocated} (+ at most ${unseenMax} unanswered)`,
				);
			}
			oversell = eventual.oversellDelta;
			if (oversell !== Math.max(0, eventual.allocated - stats.total)) {
				fail(
					`eventual oversellDelta ${oversell} ≠ allocated ${eventual.allocated} − total ${stats.total}`,
				);
			}
		}
		if (oversell > 0) {
			expectedFailures.push(
				`no oversell: eventual mode granted ${oversell} unit(s) beyond the stock of ${tally.stock} (expected: it oversells by design)`,
			);
		}
		return {
			verified: failures.length === 0,
			failures,
			expectedFailures,
			oversell,
			sold: stats.sold,
		};
	}

	// Oversell from the records: the final counters, and every moment of the trail (of
	// each shard against its allotment, for a split SKU).
	const peak = shards === undefined ? peakCommitted(events) : shardsPeak(events);
	const oversell = Math.max(
		0,
		stats.oversellCount,
		stats.sold + stats.reserved - stats.total,
		peak.overTotal,
	);
	if (oversell > 0) {
		fail(
			`no oversell: ${oversell} unit(s) beyond stock (oversellCount ${stats.oversellCount}, peak reserved+sold ${peak.committed} of ${peak.total} at event ${peak.atId})`,
		);
	}

	// Every hold: one reservation.created, exactly one terminal event, a terminal status that matches it.
	const created = new Map<string, { count: number; quantity: number }>();
	const ends = new Map<string, HoldStatus[]>();
	const ordersOf = new Map<string, Set<string>>();
	const orderEvents = new Map<string, number>();
	let soldByEvents = 0;
	for (const e of events) {
		const id = e.reservationId;
		if (id === undefined) continue;
		if (e.type === "reservation.created") {
			const c = created.get(id) ?? { count: 0, quantity: e.quantity ?? 0 };
			c.count += 1;
			created.set(id, c);
		}
		const end = TERMINAL_EVENT[e.type];
		if (end !== undefined) ends.set(id, [...(ends.get(id) ?? []), end]);
		if (e.type === "order.created" && e.orderId !== undefined) {
			ordersOf.set(id, (ordersOf.get(id) ?? new Set()).add(e.orderId));
			orderEvents.set(e.orderId, (orderEvents.get(e.orderId) ?? 0) + 1);
			soldByEvents += e.quantity ?? 0;
		}
	}
	const ids = (pred: (id: string) => boolean) => [...created.keys()].filter(pred);
	failIds(
		"one hold, one reservation.created",
		ids((id) => (created.get(id)?.count ?? 0) !== 1),
	);
	failIds(
		"terminal state: hold has no terminal event",
		ids((id) => (ends.get(id) ?? []).length === 0),
	);
	failIds(
		"terminal state: hold has more than one terminal event",
		ids((id) => (ends.get(id) ?? []).length > 1),
	);
	failIds(
		"terminal event without a reservation.created",
		[...ends.keys()].filter((id) => !created.has(id)),
	);
	failIds(
		"terminal state: the hold is not in the records' holds (GET …/holds, as its owner reads it)",
		ids((id) => records.reservations[id]?.status !== 200),
	);
	failIds(
		"terminal state: hold read as non-terminal",
		ids((id) => {
			const r = records.reservations[id]?.value;
			return r != null && !TERMINAL.has(r.status);
		}),
	);
	failIds(
		"terminal state: the status read differs from the terminal event",
		ids((id) => {
			const r = records.reservations[id]?.value;
			const end = ends.get(id);
			return r != null && end?.length === 1 && end[0] !== r.status;
		}),
	);

	// Nothing sold twice: one order per reservation, each order counted once, units add up.
	failIds(
		"sold twice: reservation with more than one order",
		[...ordersOf].filter(([, o]) => o.size > 1).map(([id]) => id),
	);
	failIds(
		"sold twice: order created more than once",
		[...orderEvents].filter(([, n]) => n > 1).map(([id]) => id),
	);
	const orderReads = Object.entries(records.orders);
	failIds(
		"orders: the order is not on a paid hold in the records' holds (GET …/holds)",
		orderReads.filter(([, r]) => r.status !== 200).map(([id]) => id),
	);
	const byReservation = new Map<string, Set<string>>();
	let soldByOrders = 0;
	for (const [id, read] of orderReads) {
		const order = read.value;
		if (order === null || order.status !== "PAID") continue;
		byReservation.set(
			order.reservationId,
			(byReservation.get(order.reservationId) ?? new Set()).add(id),
		);
		soldByOrders += order.quantity;
	}
	failIds(
		"sold twice: paid orders naming the same reservation",
		[...byReservation].filter(([, o]) => o.size > 1).map(([id]) => id),
	);
	if (soldByEvents !== stats.sold)
		fail(`sold units: order.created events add to ${soldByEvents}, the counters say ${stats.sold}`);
	if (soldByOrders !== stats.sold)
		fail(`sold units: the paid orders add to ${soldByOrders}, the counters say ${stats.sold}`);

	// The records against the run's own tally.
	const seen = new Map<string, number>();
	for (const h of tally.holds) seen.set(h.reservationId, (seen.get(h.reservationId) ?? 0) + 1);
	failIds(
		"tally: hold counted more than once by the run",
		[...seen].filter(([, n]) => n > 1).map(([id]) => id),
	);
	failIds(
		"tally: the run was granted a hold the records do not have",
		tally.holds.filter((h) => !created.has(h.reservationId)).map((h) => h.reservationId),
	);
	// A request without an answer (or with a 5xx) may have taken a hold the run never saw;
	// more such holds than such requests means the records invented some.
	const unseen = ids((id) => !seen.has(id));
	if (unseen.length > tally.unanswered) {
		failIds(
			`tally: the records hold more holds the run never heard of than its ${tally.unanswered} unanswered requests`,
			unseen,
		);
	}
	failIds(
		"tally: hold quantity differs from the records",
		tally.holds
			.filter(
				(h) =>
					created.has(h.reservationId) && created.get(h.reservationId)?.quantity !== h.quantity,
			)
			.map((h) => h.reservationId),
	);
	failIds(
		"tally: a hold ended otherwise than its answers said",
		tally.holds
			.filter((h) => {
				const r = records.reservations[h.reservationId]?.value;
				return h.expected !== null && r != null && r.status !== h.expected;
			})
			.map((h) => h.reservationId),
	);
	failIds(
		"sold twice: checkout answers named more than one order for a hold",
		tally.holds.filter((h) => new Set(h.orderIds).size > 1).map((h) => h.reservationId),
	);
	failIds(
		"tally: the order the checkout answered is not the hold's order in the records",
		tally.holds
			.filter((h) => {
				const r = records.reservations[h.reservationId]?.value;
				return (
					h.orderIds.length > 0 && r != null && r.orderId != null && r.orderId !== h.orderIds[0]
				);
			})
			.map((h) => h.reservationId),
	);
	const tallySold = tally.holds
		.filter((h) => h.expected === "PAID")
		.reduce((s, h) => s + h.quantity, 0);
	const unknown = tally.holds
		.filter((h) => h.expected === null)
		.reduce((s, h) => s + h.quantity, 0);
	if (tallySold > stats.sold)
		fail(`sold units: the run bought ${tallySold}, the records sold only ${stats.sold}`);
	if (stats.sold > tallySold + unknown) {
		fail(
			`sold units: the records sold ${stats.sold}, the run bought ${tallySold} (+${unknown} unanswered)`,
		);
	}
	return {
		verified: failures.length === 0,
		failures,
		expectedFailures,
		oversell,
		sold: stats.sold,
	};
}

/**
 * A SKU split across shards (docs/decisions/020-escrow-shards.md): allotments plus
 * the pool equal the stock, no shard holds more than its allotment, and each shard's
 * trail replays to its allotment and counters.
 */
function verifyShards(stats: Stats, events: AuditEvent[], fail: (message: string) => void): void {
	const shards = stats.shards ?? [];
	const allotted = shards.reduce((n, s) => n + s.allotment, 0);
	if (allotted + (stats.pool ?? 0) !== stats.total) {
		fail(`escrow: allotments ${allotted} + pool ${stats.pool} must equal total ${stats.total}`);
	}
	for (const shard of shards) {
		if (shard.reserved + shard.sold > shard.allotment) {
			fail(
				`escrow: shard ${shard.index} holds ${shard.reserved} + sold ${shard.sold} beyond its allotment ${shard.allotment}`,
			);
		}
		const own = events.filter((e) => (e.shard ?? 0) === shard.index);
		const replayed = replayShard(own);
		const counted = { total: shard.allotment, reserved: shard.reserved, sold: shard.sold };
		for (const key of ["total", "reserved", "sold"] as const) {
			if (replayed[key] !== counted[key]) {
				fail(
					`audit replay: shard ${shard.index}'s ${key === "total" ? "allotment" : key} replays to ${replayed[key]} from ${own.length} events, the counters say ${counted[key]}`,
				);
			}
		}
	}
	const sum = (key: "reserved" | "sold") => shards.reduce((n, s) => n + s[key], 0);
	if (sum("reserved") !== stats.reserved || sum("sold") !== stats.sold) {
		fail(
			`escrow: the shards hold ${sum("reserved")} and sold ${sum("sold")}, the SKU's counters say ${stats.reserved} and ${stats.sold}`,
		);
	}
}

/** The worst moment of any shard's trail: reserved + sold beyond its allotment then. */
function shardsPeak(events: AuditEvent[]): ReturnType<typeof peakCommitted> {
	const byShard = new Map<number, AuditEvent[]>();
	for (const e of events) {
		const list = byShard.get(e.shard ?? 0) ?? [];
		list.push(e);
		byShard.set(e.shard ?? 0, list);
	}
	let worst: ReturnType<typeof peakCommitted> = {
		committed: 0,
		total: 0,
		overTotal: 0,
		atId: null,
	};
	for (const list of byShard.values()) {
		// A shard's total is its allotment: the SKU-wide product events are not its (shardTrail).
		const peak = peakCommitted(shardTrail(list));
		if (peak.overTotal > worst.overTotal || worst.atId === null) worst = peak;
	}
	return worst;
}
