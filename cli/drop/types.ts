// What the drop simulator knows, in two halves the verifier compares:
// the client's own tally (what it sent and what it was answered) and the
// server's records (read back after the run through the public API).

import type { AuditEvent, HoldStatus, Order, Reservation, Stats } from "../../src/shared/types.ts";
import type { DuplicateSend } from "./duplicates.ts";
import type { Mode } from "./options.ts";

/** What the run decided to do with a hold after the burst. */
export type Fate = "checkout" | "declined" | "cancel" | "expire";

/** Terminal statuses (docs/api.md): every hold must end in exactly one. */
export const TERMINAL: ReadonlySet<HoldStatus> = new Set([
	"PAID",
	"CANCELLED",
	"EXPIRED",
	"PAYMENT_FAILED",
]);

export interface TallyHold {
	reservationId: string;
	sessionId: string;
	quantity: number;
	expiresAt: string;
	fate: Fate;
	/**
	 * The terminal status the run's own answers imply (checkout 200 → PAID, 402 →
	 * PAYMENT_FAILED, or EXPIRED when the 402 kept the hold, 410 → EXPIRED, cancel
	 * 200 → CANCELLED, left alone → EXPIRED);
	 * null when an answer was lost and the client cannot know.
	 */
	expected: HoldStatus | null;
	/** Every order id a checkout answer (original or deliberate replay) named for this hold. */
	orderIds: string[];
}

export interface AvailabilitySample {
	/** Milliseconds since the burst started. */
	tMs: number;
	total: number;
	available: number;
	reserved: number;
	sold: number;
}

export interface Tally {
	mode: Mode;
	stock: number;
	/** Reserve requests sent (duplicate sends included). */
	attempts: number;
	/**
	 * Reserve requests with no answer (status 0) or a 5xx: each may or may not have
	 * taken a hold, so the records may hold up to this many the run never saw.
	 */
	unanswered: number;
	/** Answers by status (0 = no answer). */
	statusCounts: Record<string, number>;
	/** Distinct holds from 201 answers (in eventual mode: allocations). */
	holds: TallyHold[];
	duplicates: DuplicateSend[];
	/** Availability read during the run (stock over time). */
	samples: AvailabilitySample[];
}

/** One GET answer about one hold or order: the body when 200, else the status. */
export interface Read<T> {
	status: number;
	value: T | null;
}

export interface ServerRecords {
	mode: Mode;
	stats: Stats;
	/** The full audit trail of the SKU, every page, in order. */
	events: AuditEvent[];
	/** Every hold the run or the records know, as the operator's holds pages read it (404: not there). */
	reservations: Record<string, Read<Reservation>>;
	/** Every order id the run or the records know, from the paid holds' pages (404: not there). */
	orders: Record<string, Read<Order>>;
}

export interface Verdict {
	verified: boolean;
	/** One sentence per broken rule, naming it. */
	failures: string[];
	/** Rules known to fail in this mode by design (eventual mode's oversell); they do not unverify. */
	expectedFailures: string[];
	/** Units sold (safe) or allocated (eventual) beyond stock, from the records. */
	oversell: number;
	/** Units sold according to the records. */
	sold: number;
}
