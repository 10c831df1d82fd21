// The verifier's reasoning (docs/waiting-room.md, "Verifying a drop"): from the
// audit trail alone, and the same shuffle the object ran (src/domain/waiting-room-shuffle.ts),
// check that the revealed seed matches its commitment and that every admission took
// the front of the queue as it stood. Pure: the CLI (cli/verify-queue.ts) fetches.

import { commitmentOf, shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import type { AuditEvent } from "../../src/shared/types.ts";

export interface QueueVerdict {
	ok: boolean;
	problems: string[];
	seedCommitment: string | null;
	seed: string | null;
	tickets: number;
	preQueue: number;
	admissions: number;
	soldOut: number;
}

/** What the product publishes of its room now (Product.waitingRoom): the last drop's. */
export type PublishedRoom = { seedCommitment: string; seed: string | null } | null;

/**
 * The drops in a SKU's trail (in seq order): each begins where a room was enabled or reset
 * (a `queue.enabled` event; a reset writes `queue.reset` then `queue.enabled`), and runs to the
 * next. The last is the drop the product publishes now.
 */
export function dropsOf(events: readonly AuditEvent[]): AuditEvent[][] {
	const drops: AuditEvent[][] = [];
	for (const e of events) {
		if (e.type === "queue.enabled") drops.push([]);
		drops.at(-1)?.push(e);
	}
	return drops;
}

/**
 * Checks the last drop of `events` (one SKU's trail, in seq order): from the last time the
 * room was enabled or reset. `published` is what the product says now (Product.waitingRoom).
 */
export function checkQueueTrail(
	events: readonly AuditEvent[],
	published: PublishedRoom,
): QueueVerdict {
	return checkDrop(dropsOf(events).at(-1) ?? [], published);
}

/**
 * Checks one drop (an element of `dropsOf`). `published`: the product's room when this is the
 * last drop, null for an earlier one (the product publishes only the current drop).
 */
export function checkDrop(events: readonly AuditEvent[], published: PublishedRoom): QueueVerdict {
	const problems: string[] = [];
	const from = events[0]?.type === "queue.enabled" ? 0 : -1;
	const verdict: QueueVerdict = {
		ok: false,
		problems,
		seedCommitment: null,
		seed: null,
		tickets: 0,
		preQueue: 0,
		admissions: 0,
		soldOut: 0,
	};
	if (from < 0) {
		problems.push("no queue.enabled event: this SKU's room was never enabled");
		return verdict;
	}
	const trail = events.slice(from);
	const commitment = String(trail[0]?.detail?.seedCommitment ?? "");
	verdict.seedCommitment = commitment;
	if (published !== null && published.seedCommitment !== commitment)
		problems.push(
			`the product publishes commitment ${published.seedCommitment}, the trail ${commitment}`,
		);
	const preQueue: { ticketId: string; seq: number }[] = [];
	const queue: string[] = [];
	/** Pre-queue tickets turned sold_out before the start: shuffled with the rest, never admitted. */
	const soldBeforeStart = new Set<string>();
	let started = false;
	for (const e of trail) {
		const ticketId = String(e.detail?.ticketId ?? "");
		switch (e.type) {
			case "queue.ticket": {
				verdict.tickets += 1;
				if (e.detail?.preQueue === true) {
					if (started) problems.push(`ticket ${ticketId} joined the pre-queue after the start`);
					preQueue.push({ ticketId, seq: Number(e.detail?.seq) });
				} else {
					if (!started) problems.push(`ticket ${ticketId} queued behind before the start`);
					queue.push(ticketId);
				}
				break;
			}
			case "queue.started": {
				const seed = String(e.detail?.seed ?? "");
				verdict.seed = seed;
				if (commitmentOf(seed) !== commitment)
					problems.push(`SHA-256 of the revealed seed is not the commitment ${commitment}`);
				if (published?.seed != null && published.seed !== seed)
					problems.push("the product publishes another seed than the trail");
				const arrival = [...preQueue].sort((a, b) => a.seq - b.seq).map((t) => t.ticketId);
				verdict.preQueue = arrival.length;
				if (Number(e.detail?.preQueue) !== arrival.length)
					problems.push(
						`the start shuffled ${String(e.detail?.preQueue)} tickets, the trail has ${arrival.length}`,
					);
				queue.unshift(...shuffleOrder(arrival, seed).filter((id) => !soldBeforeStart.has(id)));
				started = true;
				break;
			}
			case "queue.admitted": {
				verdict.admissions += 1;
				const front = queue[0];
				if (front !== ticketId) {
					problems.push(
						`admission #${verdict.admissions} took ${ticketId}; the front of the queue was ${front ?? "nobody"}`,
					);
					const at = queue.indexOf(ticketId);
					if (at >= 0) queue.splice(at, 1);
				} else queue.shift();
				break;
			}
			case "queue.sold_out": {
				const turned = Number(e.detail?.tickets);
				const waitingPre = started ? [] : preQueue.filter((t) => !soldBeforeStart.has(t.ticketId));
				const waiting = queue.length + waitingPre.length;
				if (turned !== waiting)
					problems.push(`sold out turned ${turned} tickets while ${waiting} were waiting`);
				verdict.soldOut += turned;
				queue.length = 0;
				for (const t of waitingPre) soldBeforeStart.add(t.ticketId);
				break;
			}
			default:
				break;
		}
	}
	if (!started && published?.seed != null)
		problems.push("the product reveals a seed but the trail has no queue.started event");
	// Not started yet: the pre-queue is every ticket waiting for the shuffle.
	if (!started) verdict.preQueue = preQueue.length;
	verdict.ok = problems.length === 0;
	return verdict;
}
