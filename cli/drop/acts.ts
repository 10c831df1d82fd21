// What a buyer does with a hold, while it lives: each hold's fate (checkout, a declined card,
// cancel, or left to expire) is drawn from the run's seeded generator when the hold is taken,
// and acted on after a short think time, during the burst, as a person at a drop would
// (docs/decisions/115-buyers-act-while-the-hold-lives.md). A cancel or a failed payment frees
// units the burst's other buyers may then reserve. What each answer implies goes into the
// tally (`expected`), for the verifier to hold against the records.

import type { Order, PaymentFailure } from "../../src/shared/types.ts";
import type { Buyer } from "./buyers.ts";
import { ipHeader } from "./buyers.ts";
import type { JsonClient } from "./http.ts";
import {
	IN_FLIGHT_MIN_LEFT_MS,
	type LapseCause,
	type LapsedTiming,
	lapseCause,
} from "./lapse-causes.ts";
import { Latency } from "./latency.ts";
import type { DropOptions } from "./options.ts";
import type { Fate, TallyHold } from "./types.ts";

export * from "./lapse-causes.ts";

/** docs/api.md: the simulated provider's test cards. */
const CARD_OK = "pm_card_visa";
const CARD_DECLINED = "pm_card_chargeDeclined";
/** This many paid checkouts are sent a second time with the same key: the same order must come back. */
const CHECKOUT_REPLAYS = 20;
/** Checkouts run a saga with a provider call each: fewer in flight than the burst. */
export const MAX_CHECKOUT_CONCURRENCY = 64;
/**
 * A buyer acts on a hold this long at most after seeing it (a stored card, a click or two),
 * and never later than a share of what is left of the hold (HOLD_SHARE): the run measures
 * the server's checkout, not a buyer who lets the hold lapse.
 */
export const THINK_MAX_MS = 3_000;
/** The think time is at most 1/HOLD_SHARE of the hold's life left when it was answered. */
export const HOLD_SHARE = 4;
/** Lapsed checkouts whose timing the run keeps for its report, at most. */
const LAPSED_KEPT = 10;
/** The think time is drawn uniformly from [max / THINK_SPREAD, max]. */
const THINK_SPREAD = 3;

/** A fate drawn for one hold, at the rates the options say (declines are a share of the checkouts). */
export function chooseFate(options: DropOptions, random: () => number): Fate {
	const r = random();
	if (r < options.checkoutRate * options.declineRate) return "declined";
	if (r < options.checkoutRate) return "checkout";
	if (r < options.checkoutRate + options.cancelRate) return "cancel";
	return "expire";
}

/** How long a buyer thinks before acting on a hold whose life left is `leftMs`. */
export function thinkMs(leftMs: number, random: () => number): number {
	const maxMs = Math.max(0, Math.min(THINK_MAX_MS, leftMs / HOLD_SHARE));
	return (maxMs / THINK_SPREAD) * (1 + (THINK_SPREAD - 1) * random());
}

export interface ActsFigures {
	checkoutStatus: Record<string, number>;
	cancelStatus: Record<string, number>;
	checkoutLatency: Latency;
	/** Checkouts sent a second time with the same key. */
	replays: number;
	/** Of those, how many did not answer 200 with the first answer's order. */
	replayMismatches: number;
	/** Checkouts answered 410: the hold had lapsed before the checkout reached it. */
	lapsedCheckouts: number;
	/** Those, by what made them lapse (lapseCause). */
	lapsedCauses: Record<LapseCause, number>;
	/** The first LAPSED_KEPT lapsed checkouts: how they lapsed (LapsedTiming). */
	lapsedTimings: LapsedTiming[];
	/**
	 * Acts not sent because their hold lapsed while they waited for a place among the checkouts
	 * in flight: the run, not the server, was what they waited for.
	 */
	lapsedInQueue: number;
	/**
	 * Of those, the ones that became due (their think time over) with less than
	 * IN_FLIGHT_MIN_LEFT_MS of the hold left: the buyer's lateness. The others had time and lapsed
	 * waiting for a place, behind checkouts the server was slow to answer.
	 */
	lapsedInQueueDueLate: number;
	/** Checkouts answered before the burst's last answer. */
	checkoutsDuringBurst: number;
	/**
	 * Units a cancel or a failed payment sent before the burst's last answer released (or may
	 * have released: the answer was lost), which the burst could hold again.
	 */
	freedUnitsDuringBurst: number;
	/** The longest an act waited past its think time for a place among the checkouts in flight. */
	queuedMsMax: number;
	/** Holds whose act never went out: the run stopped first (time up, server gone). */
	notActed: number;
}

/** One act waiting for its think time or its place. */
interface Pending {
	hold: TallyHold;
	buyer: Buyer;
	/** When the 201 arrived, on both clocks. */
	grantedAt: { wallMs: number; monoMs: number };
	dueMs: number;
	/** The hold's life left when the act became due (its think time over); null before. */
	leftAtDueMs: number | null;
	timer: NodeJS.Timeout | null;
	done: () => void;
}

export class Acts {
	readonly figures: ActsFigures = {
		checkoutStatus: {},
		cancelStatus: {},
		checkoutLatency: new Latency(),
		replays: 0,
		replayMismatches: 0,
		lapsedCheckouts: 0,
		lapsedCauses: { inFlight: 0, grantedShort: 0, clockStepped: 0, sentLate: 0 },
		lapsedTimings: [],
		lapsedInQueue: 0,
		lapsedInQueueDueLate: 0,
		checkoutsDuringBurst: 0,
		freedUnitsDuringBurst: 0,
		queuedMsMax: 0,
		notActed: 0,
	};
	private readonly client: JsonClient;
	private readonly options: DropOptions;
	private readonly runId: string;
	private readonly random: () => number;
	/** True once the run stops (time up, server gone): no new request goes out. */
	private readonly halted: () => boolean;
	/** Checkouts and cancels in flight at most. */
	readonly slots: number;
	/** Thinking (a timer set). */
	private readonly thinking = new Set<Pending>();
	/** Waiting for a place, in the order they became due; served newest first (pump). */
	private readonly waiting: Pending[] = [];
	private inFlight = 0;
	private paidSoFar = 0;
	private burstOver = false;
	private stopped = false;
	/** Acts taken and not yet done (thinking, waiting or in flight). */
	private open = 0;
	private acted = 0;
	private taken = 0;

	constructor(input: {
		client: JsonClient;
		options: DropOptions;
		runId: string;
		random: () => number;
		halted: () => boolean;
	}) {
		this.client = input.client;
		this.options = input.options;
		this.runId = input.runId;
		this.random = input.random;
		this.halted = input.halted;
		this.slots = Math.min(input.options.concurrency, MAX_CHECKOUT_CONCURRENCY);
	}

	/**
	 * A hold was just granted: draws its fate and, unless it is left to expire, acts on it after
	 * a think time. Settles once the act is done (or will never be): the buyer is busy till then.
	 */
	take(hold: TallyHold, buyer: Buyer): Promise<void> {
		hold.fate = chooseFate(this.options, this.random);
		if (hold.fate === "expire") return Promise.resolve();
		const grantedAt = { wallMs: Date.now(), monoMs: performance.now() };
		const delayMs = thinkMs(Date.parse(hold.expiresAt) - grantedAt.wallMs, this.random);
		if (this.stopped) {
			this.figures.notActed++;
			return Promise.resolve();
		}
		this.open++;
		this.taken++;
		return new Promise<void>((resolve) => {
			const pending: Pending = {
				hold,
				buyer,
				grantedAt,
				dueMs: grantedAt.monoMs + delayMs,
				leftAtDueMs: null,
				timer: null,
				done: () => {
					this.open--;
					resolve();
				},
			};
			pending.timer = setTimeout(() => {
				pending.timer = null;
				pending.leftAtDueMs = Date.parse(hold.expiresAt) - Date.now();
				this.thinking.delete(pending);
				this.waiting.push(pending);
				this.pump();
			}, delayMs);
			this.thinking.add(pending);
		});
	}

	/** The burst's last answer came: acts answered from now on are not counted as during it. */
	burstEnded(): void {
		this.burstOver = true;
	}

	/** Acts taken and not yet done. */
	get remaining(): number {
		return this.open;
	}

	/** Acts done, of those taken. */
	progress(): { acted: number; taken: number } {
		return { acted: this.acted, taken: this.taken };
	}

	/**
	 * No new request goes out: acts still thinking or waiting are dropped (their holds end as
	 * the records say: expiresAt), those in flight finish without a further try.
	 */
	stop(): void {
		this.stopped = true;
		for (const p of this.thinking) {
			if (p.timer !== null) clearTimeout(p.timer);
			this.figures.notActed++;
			p.done();
		}
		this.thinking.clear();
		for (const p of this.waiting.splice(0)) {
			this.figures.notActed++;
			p.done();
		}
	}

	/**
	 * Sends the waiting acts while there is a place. Newest first: when holds come faster than
	 * the checkouts in flight can serve, oldest first would send every act late, each with its
	 * hold about to lapse (and units lapsed back into the burst make more holds, more acts); the
	 * newest still have their hold's life ahead. An act whose hold lapsed while it waited is
	 * not sent (the buyer's page says the hold ended): counted apart, `lapsedInQueue`, and the
	 * hold, left alone past its expiresAt, is expected EXPIRED.
	 */
	private pump(): void {
		while (this.inFlight < this.slots && this.waiting.length > 0) {
			const next = this.waiting.pop() as Pending;
			if (this.stopped || this.halted()) {
				this.figures.notActed++;
				next.done();
				continue;
			}
			if (Date.parse(next.hold.expiresAt) <= Date.now()) {
				this.figures.lapsedInQueue++;
				if ((next.leftAtDueMs ?? 0) < IN_FLIGHT_MIN_LEFT_MS) this.figures.lapsedInQueueDueLate++;
				next.hold.expected = "EXPIRED";
				next.done();
				continue;
			}
			this.figures.queuedMsMax = Math.max(
				this.figures.queuedMsMax,
				Math.round(performance.now() - next.dueMs),
			);
			this.inFlight++;
			void this.act(next).finally(() => {
				this.inFlight--;
				this.acted++;
				next.done();
				this.pump();
			});
		}
	}

	private async act({ hold, buyer, grantedAt }: Pending): Promise<void> {
		const token = buyer.token;
		const headers = ipHeader(buyer.ip);
		const sentDuringBurst = !this.burstOver;
		const stop = () => this.stopped || this.halted();
		const f = this.figures;
		if (hold.fate === "cancel") {
			const answer = await this.client.request(
				"DELETE",
				`/api/reservations/${encodeURIComponent(hold.reservationId)}`,
				{ token, headers },
			);
			f.cancelStatus[answer.status] = (f.cancelStatus[answer.status] ?? 0) + 1;
			// 409: already expired (or otherwise not RESERVED); the records decide.
			hold.expected = answer.status === 200 ? "CANCELLED" : null;
			if (sentDuringBurst && (answer.status === 200 || answer.status === 0 || answer.status >= 500))
				f.freedUnitsDuringBurst += hold.quantity;
			return;
		}
		// Retried on a lost answer, a 5xx or a 429 with the same key: docs/api.md, same key → same outcome.
		const checkout = () =>
			this.client.retrying<Order>(
				"POST",
				"/api/checkout",
				{
					token,
					headers: { ...headers, "idempotency-key": `${this.runId}-co-${hold.reservationId}` },
					body: {
						reservationId: hold.reservationId,
						paymentMethod: hold.fate === "declined" ? CARD_DECLINED : CARD_OK,
					},
				},
				stop,
			);
		const endsAtMs = Date.parse(hold.expiresAt);
		const sentAt = { wallMs: Date.now(), monoMs: performance.now() };
		const leftAtSendMs = endsAtMs - sentAt.wallMs;
		const answer = await checkout();
		f.checkoutStatus[answer.status] = (f.checkoutStatus[answer.status] ?? 0) + 1;
		if (!this.burstOver) f.checkoutsDuringBurst++;
		if (answer.status === 410) {
			const timing: LapsedTiming = {
				leftAtGrantMs: endsAtMs - grantedAt.wallMs,
				leftAtSendMs,
				leftAtAnswerMs: endsAtMs - Date.now(),
				clockStepMs: Math.round(
					sentAt.wallMs - grantedAt.wallMs - (sentAt.monoMs - grantedAt.monoMs),
				),
			};
			f.lapsedCheckouts++;
			f.lapsedCauses[lapseCause(timing)]++;
			if (f.lapsedTimings.length < LAPSED_KEPT) f.lapsedTimings.push(timing);
		}
		if (answer.status !== 0) f.checkoutLatency.record(answer.latencyMs);
		hold.expected = expectedAfterCheckout(answer.status, answer.error);
		// Freed: a failed payment released the hold; no answer or a 5xx may have. A 409 or a 429
		// (after its retries) left the hold as it was: nothing freed.
		const mayHaveFreed = answer.status === 0 || answer.status >= 500;
		if (sentDuringBurst && (hold.expected === "PAYMENT_FAILED" || mayHaveFreed))
			f.freedUnitsDuringBurst += hold.quantity;
		if (answer.status === 200 && answer.data !== null) {
			hold.orderIds.push(answer.data.orderId);
			if (this.paidSoFar++ < CHECKOUT_REPLAYS && !stop()) {
				// A buyer's retry: docs/api.md promises the same order and no second charge.
				const again = await checkout();
				f.replays++;
				if (again.status === 200 && again.data !== null) hold.orderIds.push(again.data.orderId);
				if (again.status !== 200 || again.data?.orderId !== answer.data.orderId)
					f.replayMismatches++;
			}
		}
	}
}

/** What a checkout answer says about the hold's end (docs/api.md, "Checkout"). */
export function expectedAfterCheckout(status: number, error: unknown): TallyHold["expected"] {
	switch (status) {
		case 200:
			return "PAID";
		case 402:
			// A declined card keeps the hold for another method; this buyer walks away
			// instead, so the hold ends at its own expiry.
			return (error as { payment?: PaymentFailure } | null)?.payment?.holdKept
				? "EXPIRED"
				: "PAYMENT_FAILED";
		case 410:
			return "EXPIRED";
		default:
			// A lost answer, a 409 or a 5xx: the client cannot know; the records decide.
			return null;
	}
}
