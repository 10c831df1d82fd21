// After the burst, every hold meets its fate: a share is checked out (a part of
// those with a declined card, whose buyers then walk away from the kept hold),
// some are cancelled, the rest are left to expire,
// and the run waits until they have. What each answer implies goes into the
// tally (`expected`), for the verifier to hold against the records.

import { sleep } from "../../src/shared/sleep.ts";
import type { Order, PaymentFailure } from "../../src/shared/types.ts";
import { shuffle } from "../../test/support/random.ts";
import { type Buyer, ipHeader } from "./buyers.ts";
import { type JsonClient, pool } from "./http.ts";
import { Latency } from "./latency.ts";
import type { DropOptions } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { TallyHold } from "./types.ts";

/** docs/api.md: the simulated provider's test cards. */
const CARD_OK = "pm_card_visa";
const CARD_DECLINED = "pm_card_chargeDeclined";
/** This many paid checkouts are sent a second time with the same key: the same order must come back. */
const CHECKOUT_REPLAYS = 20;
/** Margin past the last expiresAt before the expired holds are read (clock granularity, alarm delay). */
const EXPIRY_MARGIN_MS = 1_500;
/** Checkouts run a saga with a provider call each: fewer in flight than the burst. */
const MAX_CHECKOUT_CONCURRENCY = 64;

export interface SettleResult {
	checkoutStatus: Record<string, number>;
	cancelStatus: Record<string, number>;
	checkoutLatency: Latency;
	/** Checkouts sent a second time with the same key. */
	replays: number;
	/** Of those, how many did not answer 200 with the first answer's order. */
	replayMismatches: number;
}

/** Assigns each hold its fate, in the tally, from the run's seeded generator. */
export function assignFates(holds: TallyHold[], options: DropOptions, random: () => number): void {
	const order = shuffle(random, [...holds]);
	const checkouts = Math.round(order.length * options.checkoutRate);
	const declined = Math.round(checkouts * options.declineRate);
	const cancels = Math.round(order.length * options.cancelRate);
	order.forEach((hold, i) => {
		if (i < declined) hold.fate = "declined";
		else if (i < checkouts) hold.fate = "checkout";
		else if (i < checkouts + cancels) hold.fate = "cancel";
		else hold.fate = "expire";
	});
}

export async function settle(
	client: JsonClient,
	options: DropOptions,
	holds: TallyHold[],
	/** sessionId → buyer, for each hold's owner. */
	buyers: Map<string, Buyer>,
	runId: string,
	progress: Progress,
	expired: () => boolean,
	/** Holds whose answer was lost are not in the tally; they are due by this moment (epoch ms). */
	unseenDueMs: number,
): Promise<SettleResult> {
	const checkoutStatus: Record<string, number> = {};
	const cancelStatus: Record<string, number> = {};
	const checkoutLatency = new Latency();
	let replays = 0;
	let replayMismatches = 0;
	let done = 0;
	const active = holds.filter((h) => h.fate !== "expire");
	let paidSoFar = 0;

	await pool(
		active.length,
		Math.min(options.concurrency, MAX_CHECKOUT_CONCURRENCY),
		async (i) => {
			const hold = active[i] as TallyHold;
			const owner = buyers.get(hold.sessionId);
			const token = owner?.token ?? "";
			const headers = ipHeader(owner?.ip ?? null);
			if (hold.fate === "cancel") {
				const answer = await client.request(
					"DELETE",
					`/api/reservations/${encodeURIComponent(hold.reservationId)}`,
					{ token, headers },
				);
				cancelStatus[answer.status] = (cancelStatus[answer.status] ?? 0) + 1;
				// 409: already expired (or otherwise not RESERVED); the records decide.
				hold.expected = answer.status === 200 ? "CANCELLED" : null;
			} else {
				// Retried on a lost answer, a 5xx or a 429 with the same key: docs/api.md, same key → same outcome.
				const checkout = () =>
					client.retrying<Order>("POST", "/api/checkout", {
						token,
						headers: { ...headers, "idempotency-key": `${runId}-co-${hold.reservationId}` },
						body: {
							reservationId: hold.reservationId,
							paymentMethod: hold.fate === "declined" ? CARD_DECLINED : CARD_OK,
						},
					});
				const answer = await checkout();
				checkoutStatus[answer.status] = (checkoutStatus[answer.status] ?? 0) + 1;
				if (answer.status !== 0) checkoutLatency.record(answer.latencyMs);
				hold.expected = expectedAfterCheckout(answer.status, answer.error);
				if (answer.status === 200 && answer.data !== null) {
					hold.orderIds.push(answer.data.orderId);
					if (paidSoFar++ < CHECKOUT_REPLAYS) {
						// A buyer's retry: docs/api.md promises the same order and no second charge.
						const again = await checkout();
						replays++;
						if (again.status === 200 && again.data !== null) hold.orderIds.push(again.data.orderId);
						if (again.status !== 200 || again.data?.orderId !== answer.data.orderId)
							replayMismatches++;
					}
				}
			}
			done++;
			progress.update(`settle: ${done}/${active.length} checkouts and cancels`);
		},
		expired,
	);

	// The rest expire on their own: wait until the last of them is due.
	const left = holds.filter((h) => h.fate === "expire");
	for (const h of left) h.expected = "EXPIRED";
	const lastExpiryMs = Math.max(
		0,
		...holds
			.filter((h) => h.expected === "EXPIRED" || h.expected === null)
			.map((h) => Date.parse(h.expiresAt)),
	);
	const dueMs = Math.max(lastExpiryMs, unseenDueMs) + EXPIRY_MARGIN_MS;
	while (Date.now() < dueMs && !expired()) {
		progress.update(
			`expiry: ${left.length} holds left to expire, ${Math.ceil((dueMs - Date.now()) / 1000)} s to go`,
		);
		await sleep(Math.min(250, Math.max(1, dueMs - Date.now())));
	}
	return { checkoutStatus, cancelStatus, checkoutLatency, replays, replayMismatches };
}

/** What a checkout answer says about the hold's end (docs/api.md, "Checkout"). */
function expectedAfterCheckout(status: number, error: unknown): TallyHold["expected"] {
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
