// How the SKU object writes what its model changed: holds, audit events into
// the outbox, and the state row (the model's counters plus the decision
// counts), all in the caller's synchronous turn, so one transaction. Rejection
// counters alone are not worth an fsync: they ride with the next write, or a
// timer writes them at most COUNTERS_FLUSH_MS later (docs/hot-path/how-it-works.md).

import type { DomainEvent, Hold, Inventory } from "../domain/inventory.ts";
import type { LiveFeedEvent, Work } from "../domain/timeseries.ts";
import { eventRowText } from "./codec.ts";
import { EndOfTask } from "./group-commit.ts";
import type { Outbox, OutboxRow } from "./outbox.ts";
import { writeHolds } from "./records.ts";

/**
 * Rejection counters (stats only) reach storage with the next commit or at
 * most this long after they changed. A crash can lose the counts of this
 * window — never a hold, an order or an idempotent outcome (docs/hot-path/how-it-works.md).
 */
export const COUNTERS_FLUSH_MS = 1000;

/**
 * Stats (docs/api.md v1.1): attempts the object decided, the commits that carried them, attempts
 * the edge answered; and the refusals at the per-address caps outside the reserve path (the live
 * feed's places, the waiting room's tickets), which are not reserve attempts (`addressRefusals`);
 * the live feed's upgrades refused at its total or in an address's cool-down, and its sockets
 * closed for silence or for flooding (the stats' `live`, decisions 156 and 170).
 * Written like the rejection counters: with the next write or within COUNTERS_FLUSH_MS.
 */
export interface DecisionCounts {
	decisions: number;
	commits: number;
	edgeAnswered: number;
	liveFeedAddressRefused: number;
	roomJoinAddressRefused: number;
	liveRefusedFull: number;
	liveIdleClosed: number;
	liveFloodClosed: number;
	liveRefusedCoolDown: number;
}

const NO_COUNTS: DecisionCounts = {
	decisions: 0,
	commits: 0,
	edgeAnswered: 0,
	liveFeedAddressRefused: 0,
	roomJoinAddressRefused: 0,
	liveRefusedFull: 0,
	liveIdleClosed: 0,
	liveFloodClosed: 0,
	liveRefusedCoolDown: 0,
};

/** Where each of the live feed's closes and refusals is counted (its refusals at the address's places are `liveFeedAddressRefused`). */
const LIVE_COUNT_KEYS: Record<LiveFeedEvent, keyof DecisionCounts> = {
	idleClosed: "liveIdleClosed",
	floodClosed: "liveFloodClosed",
	refusedFull: "liveRefusedFull",
	refusedCoolDown: "liveRefusedCoolDown",
};

/** Changes drained by `stage` and not written yet: each hold's last state, events in order. */
interface Staged {
	holds: Map<string, Hold>;
	events: OutboxRow[];
	/** The state row as of the last stage, with the sequence of its last event. */
	state: string;
	seq: number;
}

export class StateWriter {
	/** The last audit event's sequence number. */
	seq = 0;
	counts: DecisionCounts = { ...NO_COUNTS };
	/** The state row as last written, so an unchanged one is not written again. */
	private saved = "";
	private timer: ReturnType<typeof setTimeout> | null = null;
	private staged: Staged | null = null;
	/** Writes what `stage` holds at the end of the task that staged it. */
	private readonly endOfTask = new EndOfTask(
		() => this.flushStaged(),
		(error) => this.broken(error),
	);

	constructor(
		private readonly sql: SqlStorage,
		private readonly outbox: Outbox,
		/** The model now (null before create). */
		private readonly model: () => Inventory | null,
		/** Holds or events were written: schedule the outbox, the alarm, the live feed. */
		private readonly changed: () => void,
		/**
		 * Whose events these are: the SKU, or `<sku>#<i>` for shard i of a split SKU, so
		 * each shard's trail has its own sequence (docs/decisions/020-escrow-shards.md).
		 */
		private readonly eventSku: (inv: Inventory) => string = (inv) => inv.product.sku,
		/** Events of other parts of the object written with the model's (the waiting room's). */
		private readonly alsoEvents: () => DomainEvent[] = () => [],
		/** A staged write failed in its microtask: the object must not answer from the model. */
		private readonly broken: (error: unknown) => void = (error) => {
			throw error;
		},
		/** Holds written in an ended status, by the earliest `expiresAt` among them: their rows are pruned later. */
		private readonly ended: (earliestExpiresAtMs: number) => void = () => {},
	) {}

	/** After loading the state row: where the sequence and the counts stand. */
	loaded(seq: number, stored: Partial<DecisionCounts>): void {
		this.seq = seq;
		this.counts = {
			decisions: stored.decisions ?? 0,
			commits: stored.commits ?? 0,
			edgeAnswered: stored.edgeAnswered ?? 0,
			liveFeedAddressRefused: stored.liveFeedAddressRefused ?? 0,
			roomJoinAddressRefused: stored.roomJoinAddressRefused ?? 0,
			liveRefusedFull: stored.liveRefusedFull ?? 0,
			liveIdleClosed: stored.liveIdleClosed ?? 0,
			liveFloodClosed: stored.liveFloodClosed ?? 0,
			liveRefusedCoolDown: stored.liveRefusedCoolDown ?? 0,
		};
		const inv = this.model();
		this.saved = inv === null ? "" : this.json(inv);
	}

	/** A refusal at a per-address cap outside the reserve path (stats only): written like the rejection counters. */
	addressRefused(where: "liveFeed" | "roomJoin"): void {
		if (where === "liveFeed") this.counts.liveFeedAddressRefused += 1;
		else this.counts.roomJoinAddressRefused += 1;
		this.countersSoon();
	}

	/** The live feed refused an upgrade or closed a socket (the stats' `live`): likewise. */
	liveCounted(what: LiveFeedEvent): void {
		this.counts[LIVE_COUNT_KEYS[what]] += 1;
		this.countersSoon();
	}

	/**
	 * A reset zeroes the counts. `kept` (a split shard doing its coordinator's reset late): the
	 * new drop's decisions and commits as the history counted them after the cut, kept within the
	 * counts, with at least one decision per kept hold and one commit when any (decision 158).
	 */
	resetCounts(kept: Work | null = null, keptHolds = 0): void {
		const before = this.counts;
		this.counts = { ...NO_COUNTS };
		if (kept === null) return;
		this.counts.decisions = Math.min(before.decisions, Math.max(kept.decisions, keptHolds));
		this.counts.commits = Math.min(before.commits, Math.max(kept.commits, keptHolds > 0 ? 1 : 0));
	}

	/**
	 * Writes what the model changed since its last drain. True when it wrote. `force` as
	 * `write`: a change that records no event (a split SKU's shard following a product change).
	 */
	persist(force = false): boolean {
		const inv = this.model();
		if (inv === null) return false;
		const changes = inv.drain();
		changes.events.push(...this.alsoEvents());
		return this.write(changes, force);
	}

	/**
	 * Holds, audit events and the state row, or nothing when only rejection
	 * counters changed. `force` writes the state row even without holds or
	 * events (a batch that stored idempotent outcomes).
	 */
	write(changes: ReturnType<Inventory["drain"]>, force: boolean): boolean {
		const inv = this.model();
		if (inv === null) return false;
		// Staged steps come first: their events hold the earlier sequence numbers, and the state
		// row written below must not be overwritten by their older one.
		this.flushStaged();
		const { holds, events } = changes;
		if (holds.length === 0 && events.length === 0 && !force) {
			if (this.json(inv) !== this.saved) this.countersSoon();
			return false;
		}
		writeHolds(this.sql, holds);
		this.noteEnded(holds);
		const sku = this.eventSku(inv);
		this.outbox.appendAll(events.map((event) => this.row(sku, event)));
		this.writeState(inv);
		if (holds.length > 0 || events.length > 0) this.changed();
		return true;
	}

	/**
	 * Like `persist`, but the rows are written later in the same task, together with those
	 * of the other steps staged before it (docs/checkout.md, "What a checkout costs"): a
	 * batch of checkout steps writes each hold once, its events in a few multi-row
	 * statements and the state row once, instead of three statements per step.
	 *
	 * Values are copied here, so a later step that throws (its savepoint rolled back, the
	 * model rebuilt) cannot leak into them. The write is queued as a microtask the first
	 * time something is staged, so it runs before any reaction to a promise settled after
	 * the stage — every reply of these steps — and within the task, so in its commit.
	 * Callers stage only after their savepoint was released, and must `flushStaged` before
	 * rebuilding the model from storage or opening a savepoint that writes (`write` does).
	 */
	stage(): void {
		const inv = this.model();
		if (inv === null) return;
		const { holds, events } = inv.drain();
		events.push(...this.alsoEvents());
		// Nothing moved (a step that only waits): nothing to write, as `persist` would not.
		if (holds.length === 0 && events.length === 0) return;
		const staged: Staged = this.staged ?? { holds: new Map(), events: [], state: "", seq: 0 };
		this.staged = staged;
		for (const hold of holds) staged.holds.set(hold.id, { ...hold });
		const sku = this.eventSku(inv);
		for (const event of events) staged.events.push(this.row(sku, event));
		staged.state = this.json(inv);
		staged.seq = this.seq;
		this.endOfTask.schedule();
	}

	/** Writes what `stage` holds (no-op when nothing is staged). */
	flushStaged(): void {
		const staged = this.staged;
		if (staged === null) return;
		this.staged = null;
		const holds = [...staged.holds.values()];
		writeHolds(this.sql, holds);
		this.noteEnded(holds);
		this.outbox.appendAll(staged.events);
		this.writeRow(staged.state, staged.seq);
		this.changed();
	}

	/** Rejection counters changed alone: write them within COUNTERS_FLUSH_MS unless a commit takes them first. */
	countersSoon(): void {
		if (this.timer !== null) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			const inv = this.model();
			if (inv === null || this.json(inv) === this.saved) return;
			// Not counted in `commits`: it carries counts, not decisions, at most once per window.
			this.writeState(inv);
		}, COUNTERS_FLUSH_MS);
	}

	/** Tells `ended` of the written holds that ended (memory only: no statement). */
	private noteEnded(holds: readonly Hold[]): void {
		let earliest: number | null = null;
		for (const h of holds) {
			if (h.status === "EXPIRED" || h.status === "CANCELLED" || h.status === "PAYMENT_FAILED") {
				if (earliest === null || h.expiresAtMs < earliest) earliest = h.expiresAtMs;
			}
		}
		if (earliest !== null) this.ended(earliest);
	}

	/** The outbox row of the next event in the sequence. */
	private row(sku: string, event: DomainEvent): OutboxRow {
		const seq = ++this.seq;
		return { seq, text: eventRowText(sku, seq, event) };
	}

	private json(inv: Inventory): string {
		return JSON.stringify({ ...inv.snapshot(), ...this.counts });
	}

	private writeState(inv: Inventory): void {
		this.writeRow(this.json(inv), this.seq);
	}

	private writeRow(row: string, seq: number): void {
		this.sql.exec("UPDATE state SET snapshot = ?, seq = ? WHERE id = 1", row, seq);
		this.saved = row;
		if (this.timer !== null) {
			clearTimeout(this.timer);
			this.timer = null;
		}
	}
}
