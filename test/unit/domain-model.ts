// A deliberately naive reference model of one SKU's stock, for the property
// tests of src/domain/inventory.ts: a flat list of holds, scanned in full on
// every question. It shares no code with the real model, so agreeing with it
// means something.

import type { ReserveRejection } from "../../src/domain/inventory.ts";
import type { HoldStatus } from "../../src/shared/types.ts";

export interface ModelHold {
	id: string;
	sessionId: string;
	quantity: number;
	status: HoldStatus;
	expiresAtMs: number;
	/** When it ended unpaid (expired, cancelled, payment failed); null while live or once paid. */
	endedAtMs: number | null;
}

const UNPAID_ENDS: ReadonlySet<HoldStatus> = new Set(["EXPIRED", "CANCELLED", "PAYMENT_FAILED"]);

export const ACTIVE: ReadonlySet<HoldStatus> = new Set(["RESERVED", "CHECKOUT_PENDING"]);

export class Model {
	holds: ModelHold[] = [];
	attempts = 0;
	rejected: Record<string, number> = {};

	constructor(
		public total: number,
		readonly holdSeconds: number,
		readonly perUserLimit: number,
		readonly startsAtMs: number | null,
	) {}

	units(statuses: HoldStatus[]): number {
		let n = 0;
		for (const h of this.holds) if (statuses.includes(h.status)) n += h.quantity;
		return n;
	}

	get reserved(): number {
		return this.units(["RESERVED", "CHECKOUT_PENDING"]);
	}

	get sold(): number {
		return this.units(["PAID"]);
	}

	usage(sessionId: string): number {
		let n = 0;
		for (const h of this.holds) {
			if (h.sessionId === sessionId && (ACTIVE.has(h.status) || h.status === "PAID"))
				n += h.quantity;
		}
		return n;
	}

	find(id: string): ModelHold | undefined {
		return this.holds.find((h) => h.id === id);
	}

	/** Every RESERVED hold whose time is up becomes EXPIRED; returns how many. */
	expire(nowMs: number): number {
		let n = 0;
		for (const h of this.holds) {
			if (h.status === "RESERVED" && h.expiresAtMs <= nowMs) {
				h.status = "EXPIRED";
				h.endedAtMs = nowMs;
				n += 1;
			}
		}
		return n;
	}

	/**
	 * The cool-down rule (src/domain/hold-cooldown.ts), from the holds themselves: until when the
	 * session's unpaid-ended holds held their units, or null. An expiry held until its expiresAt
	 * (however late it was recorded); a release or a failed payment until the later of its
	 * expiresAt and its end. An end that held no later than one of the session's paid holds'
	 * expiresAt is forgiven by that payment.
	 */
	heldUntil(sessionId: string): number | null {
		let paidUntil = Number.NEGATIVE_INFINITY;
		for (const h of this.holds)
			if (h.sessionId === sessionId && h.status === "PAID")
				paidUntil = Math.max(paidUntil, h.expiresAtMs);
		let until: number | null = null;
		for (const h of this.holds) {
			if (h.sessionId !== sessionId || !UNPAID_ENDS.has(h.status)) continue;
			const at =
				h.status === "EXPIRED"
					? h.expiresAtMs
					: Math.max(h.expiresAtMs, h.endedAtMs ?? h.expiresAtMs);
			if (at <= paidUntil) continue;
			if (until === null || at > until) until = at;
		}
		return until;
	}

	/** The cool-down's length: holdSeconds within 15..60 s. */
	get coolMs(): number {
		return Math.min(60, Math.max(15, this.holdSeconds)) * 1000;
	}

	reserve(
		id: string,
		sessionId: string,
		quantity: number,
		nowMs: number,
	): ReserveRejection | { code: "hold_cooldown"; retryAtMs: number } | null {
		this.expire(nowMs);
		this.attempts += 1;
		const until = this.heldUntil(sessionId);
		let code: ReserveRejection | "hold_cooldown" | null = null;
		if (this.startsAtMs !== null && nowMs < this.startsAtMs) code = "not_started";
		else if (this.total - this.reserved - this.sold < quantity) code = "sold_out";
		else if (until !== null && nowMs >= until && nowMs < until + this.coolMs)
			code = "hold_cooldown";
		else if (this.usage(sessionId) + quantity > this.perUserLimit) code = "purchase_limit";
		if (code !== null) {
			this.rejected[code] = (this.rejected[code] ?? 0) + 1;
			return code === "hold_cooldown" ? { code, retryAtMs: (until as number) + this.coolMs } : code;
		}
		const full = nowMs + this.holdSeconds * 1000;
		this.holds.push({
			id,
			sessionId,
			quantity,
			status: "RESERVED",
			expiresAtMs: until !== null && nowMs < until ? Math.min(full, until) : full,
			endedAtMs: null,
		});
		return null;
	}

	/** A transition from `from` to `to` at `nowMs`; false (and no change) when the hold is elsewhere. */
	move(id: string, from: HoldStatus, to: HoldStatus, nowMs: number): boolean {
		const h = this.find(id);
		if (h === undefined || h.status !== from) return false;
		h.status = to;
		if (UNPAID_ENDS.has(to)) h.endedAtMs = nowMs;
		return true;
	}

	/** A restart rebuilds the cool-downs from the stored holds: an end's lateness is forgotten. */
	restarted(): void {
		for (const h of this.holds) if (h.endedAtMs !== null) h.endedAtMs = h.expiresAtMs;
	}

	setTotal(total: number): boolean {
		if (total < this.reserved + this.sold) return false;
		this.total = total;
		return true;
	}

	/** Paid holds stay (and keep counting against their buyer's limit); every other hold goes. */
	reset(): void {
		this.holds = this.holds.filter((h) => h.status === "PAID");
		this.attempts = 0;
		this.rejected = {};
	}
}
