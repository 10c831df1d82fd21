// The stock of one SKU and its holds: reserve, cancel, expire, per-session limits. Pure: no
// Workers imports, no clock, no randomness — the caller passes `nowMs` and ids, so the same
// module runs in the Durable Object, in property tests and in the simulator. Expected outcomes
// are values. The base layer of the model: InventoryOperator (domain/inventory-operator.ts)
// extends it with the product's changes and reset, Inventory (domain/inventory.ts) with the
// checkout transitions.
//
// Every change is recorded twice for the caller to persist in one transaction:
// the changed holds and the audit events (docs/architecture.md, "Cold path").

import type { DropStatus, EventType } from "../shared/types.ts";
import { MAX_QUANTITY } from "./bounds.ts";
import { cooldownMs, FREE, HoldCooldowns, SANDBOX_SKU_PREFIX } from "./hold-cooldown.ts";
import { HoldDeadlines } from "./hold-deadlines.ts";
import type {
	Counters,
	DomainEvent,
	Hold,
	InventorySnapshot,
	ProductConfig,
	ReserveAttempt,
	ReserveOutcome,
	ReserveRejection,
	TransitionOutcome,
} from "./inventory-records.ts";
import { SessionStandings } from "./session-standing.ts";

export abstract class InventoryStock {
	product: ProductConfig;
	reserved: number;
	sold: number;
	attempts: number;
	readonly rejected: Record<string, number>;
	/** Non-terminal holds: RESERVED and CHECKOUT_PENDING. Terminal ones live only in storage. */
	protected readonly active = new Map<string, Hold>();
	/** Units each session holds or has bought (the purchase limit counts both), and its live holds. */
	protected readonly standings: SessionStandings;
	protected readonly deadlines = new HoldDeadlines();
	/** Sessions whose own hold ended unpaid lately (domain/hold-cooldown.ts). */
	protected readonly cooldowns: HoldCooldowns;
	protected changedHolds = new Map<string, Hold>();
	private events: DomainEvent[] = [];

	constructor(
		snapshot: InventorySnapshot,
		activeHolds: Iterable<Hold> = [],
		usage: Iterable<[string, number]> = [],
		endedUnpaid: Iterable<[string, number]> = [],
		paidLately: Iterable<[string, number]> = [],
	) {
		this.cooldowns = new HoldCooldowns(endedUnpaid, paidLately);
		this.product = { ...snapshot.product };
		this.reserved = snapshot.reserved;
		this.sold = snapshot.sold;
		this.attempts = snapshot.attempts;
		this.rejected = { ...snapshot.rejected };
		this.standings = new SessionStandings(usage);
		for (const hold of activeHolds) {
			this.track(hold);
			this.standings.loaded(hold);
		}
	}

	snapshot(): InventorySnapshot {
		return {
			product: { ...this.product },
			reserved: this.reserved,
			sold: this.sold,
			attempts: this.attempts,
			rejected: { ...this.rejected },
		};
	}

	counters(): Counters {
		const total = this.product.totalStock;
		return {
			total,
			available: total - this.reserved - this.sold,
			reserved: this.reserved,
			sold: this.sold,
		};
	}

	status(nowMs: number): DropStatus {
		if (this.product.startsAtMs !== null && nowMs < this.product.startsAtMs) return "scheduled";
		return this.counters().available > 0 ? "live" : "sold_out";
	}

	usageOf(sessionId: string): number {
		return this.standings.units(sessionId);
	}

	/** The session's holds that still stand (RESERVED, CHECKOUT_PENDING), in no set order. */
	liveHoldsOf(sessionId: string): readonly Hold[] {
		return this.standings.live(sessionId);
	}

	activeHold(id: string): Hold | undefined {
		return this.active.get(id);
	}

	activeCount(): number {
		return this.active.size;
	}

	/** Earliest moment a RESERVED hold can expire, or a pending payment runs out of time. */
	nextDeadlineMs(): number | null {
		return this.deadlines.next(this.active);
	}

	reserve(attempt: ReserveAttempt): ReserveOutcome {
		const { quantity, nowMs, sessionId } = attempt;
		if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
			throw new RangeError(`quantity must be an integer 1..${MAX_QUANTITY}, got ${quantity}`);
		}
		this.expireDue(nowMs);
		this.attempts += 1;
		const cooldown = this.cooldownOf(sessionId, nowMs);
		const rejection = this.check(
			sessionId,
			quantity,
			nowMs,
			attempt.stockElsewhere ?? 0,
			cooldown.kind === "cooling",
		);
		if (rejection !== null) {
			this.reject(rejection);
			return { ok: false, code: rejection };
		}
		// After the stock's answer (sold_out is everyone's) and before the limit's: a session
		// cooling down holds nothing it could free, and the limit's answer would not say when.
		if (cooldown.kind === "cooling") {
			this.reject("hold_cooldown");
			return { ok: false, code: "hold_cooldown", retryAtMs: cooldown.retryAtMs };
		}
		const overLimit = this.overLimit(sessionId, quantity);
		if (overLimit !== null) {
			this.reject(overLimit);
			return { ok: false, code: overLimit };
		}
		const fullTermMs = nowMs + this.product.holdSeconds * 1000;
		const hold: Hold = {
			id: attempt.id,
			sessionId,
			quantity,
			status: "RESERVED",
			createdAtMs: nowMs,
			expiresAtMs:
				cooldown.kind === "capped" ? Math.min(fullTermMs, cooldown.expiresAtMs) : fullTermMs,
			idempotencyKey: attempt.idempotencyKey,
			orderId: null,
			paymentDeadlineMs: null,
			priceCents: this.product.priceCents,
			currency: this.product.currency,
		};
		this.reserved += quantity;
		this.standings.took(hold);
		this.track(hold);
		this.changed(hold);
		this.emit({
			type: "reservation.created",
			atMs: nowMs,
			reservationId: hold.id,
			quantity,
			sessionId,
			detail: { expiresAt: new Date(hold.expiresAtMs).toISOString() },
		});
		return { ok: true, hold };
	}

	/** Counts a rejection decided outside the object's rules (e.g. a rate limit). */
	reject(code: string): void {
		this.rejected[code] = (this.rejected[code] ?? 0) + 1;
	}

	cancel(hold: Hold, nowMs: number): TransitionOutcome {
		this.expireDue(nowMs);
		const live = this.active.get(hold.id);
		if (live === undefined || live.status !== "RESERVED")
			return { ok: false, code: "invalid_state" };
		this.release(live, "CANCELLED", nowMs, "reservation.cancelled");
		return { ok: true, hold: live };
	}

	/** Returns every RESERVED hold whose time is up to stock. Idempotent, cheap when nothing is due. */
	expireDue(nowMs: number): number {
		let expired = 0;
		for (;;) {
			const id = this.deadlines.popDue(nowMs);
			if (id === undefined) break;
			const hold = this.active.get(id);
			// Stale heap entry (cancelled, paid, or a checkout with its own deadline).
			if (hold === undefined || hold.status !== "RESERVED" || hold.expiresAtMs > nowMs) continue;
			// `expiresAt`: when it was due; `at`, when recorded (after a restart, later: docs/api.md).
			this.release(hold, "EXPIRED", nowMs, "reservation.expired", {
				expiresAt: new Date(hold.expiresAtMs).toISOString(),
			});
			expired += 1;
		}
		return expired;
	}

	/** Records an event that changes no counter (payment.succeeded, payment.refunded, …). */
	note(event: DomainEvent): void {
		this.emit(event);
	}

	/** Hands the caller what changed since the last drain, to persist in one transaction. */
	drain(): { holds: Hold[]; events: DomainEvent[] } {
		const out = { holds: [...this.changedHolds.values()], events: this.events };
		this.changedHolds = new Map();
		this.events = [];
		return out;
	}

	/**
	 * Stock before the limit: a sold-out SKU answers sold_out to everyone (docs/api.md). For an
	 * attempt the limit refuses, a split SKU's shard counts the SKU's units outside it too
	 * (`stockElsewhere`): one object answers such a session purchase_limit while the SKU has
	 * the units, wherever they lie (docs/decisions/080-split-sku-limit-and-paged-recount.md).
	 * A session cooling down takes no unit either, so the same holds for it. The limit's and the
	 * cool-down's own answers come after (reserve).
	 */
	private check(
		sessionId: string,
		quantity: number,
		nowMs: number,
		stockElsewhere: number,
		cooling: boolean,
	): ReserveRejection | null {
		const { startsAtMs } = this.product;
		if (startsAtMs !== null && nowMs < startsAtMs) return "not_started";
		const takesNone = cooling || this.overLimit(sessionId, quantity) !== null;
		const stock = this.counters().available + (takesNone ? Math.max(0, stockElsewhere) : 0);
		if (stock < quantity) return "sold_out";
		return null;
	}

	private overLimit(sessionId: string, quantity: number): "purchase_limit" | null {
		return this.usageOf(sessionId) + quantity > this.product.perUserLimit ? "purchase_limit" : null;
	}

	/**
	 * What the cool-down rule says of the session's next reserve (domain/hold-cooldown.ts). A
	 * map lookup: the reserve path gains no read, write or await.
	 */
	cooldownOf(sessionId: string, nowMs: number) {
		if (this.product.sku.startsWith(SANDBOX_SKU_PREFIX)) return FREE;
		return this.cooldowns.verdict(sessionId, nowMs, cooldownMs(this.product.holdSeconds));
	}

	private track(hold: Hold): void {
		this.active.set(hold.id, hold);
		this.deadlines.track(hold);
	}

	/** Keeps a payment deadline visible to `nextDeadlineMs` (the saga resumes from the alarm). */
	scheduleDeadline(id: string, atMs: number): void {
		this.deadlines.add(atMs, id);
	}

	protected release(
		hold: Hold,
		status: "EXPIRED" | "CANCELLED" | "PAYMENT_FAILED",
		nowMs: number,
		type: EventType,
		detail?: Record<string, unknown>,
	): void {
		hold.status = status;
		hold.paymentDeadlineMs = null;
		this.active.delete(hold.id);
		this.reserved -= hold.quantity;
		this.standings.ended(hold);
		// Ended unpaid, however: the session cools down on this SKU (domain/hold-cooldown.ts).
		this.cooldowns.holdEnded(hold, status === "EXPIRED", nowMs, this.product.holdSeconds);
		this.changed(hold);
		this.emit({
			type,
			atMs: nowMs,
			reservationId: hold.id,
			quantity: hold.quantity,
			sessionId: hold.sessionId,
			...(detail ? { detail } : {}),
		});
	}

	/**
	 * A hold paid (domain/inventory.ts completeCheckout): it no longer stands; its units stay
	 * counted. It forgives the session's unpaid ends that held no later than it (hold-cooldown.ts).
	 */
	protected paidOut(hold: Hold, nowMs: number): void {
		this.active.delete(hold.id);
		this.standings.paid(hold);
		this.cooldowns.holdPaid(hold, nowMs, this.product.holdSeconds);
	}

	protected changed(hold: Hold): void {
		this.changedHolds.set(hold.id, hold);
	}

	protected emit(event: DomainEvent): void {
		this.events.push(event);
	}
}
