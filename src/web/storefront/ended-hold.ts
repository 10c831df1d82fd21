// The words for a hold this page showed that the server says has ended, by its
// status (useHoldExpiry.ts and the storefront's Release), and when the feed says it may have
// ended (useHoldCheck.ts). Pure, so it is unit-tested in Node:
// test/unit/storefront-ended-hold.test.ts, test/unit/storefront-hold-check.test.ts.

import type { Availability, HoldStatus, Reservation } from "../../shared/types.ts";
import { describeCode } from "../api/outcomes.ts";

/** A notice on the page (components/Layout.tsx, NoticeValue). */
export interface EndedHoldNotice {
	tone: "info" | "success" | "error";
	text: string;
}

/** Statuses in which the hold still stands on the server: it stays on screen. */
const STILL_HELD: readonly HoldStatus[] = ["RESERVED", "CHECKOUT_PENDING"];

export function stillHeld(status: HoldStatus): boolean {
	return STILL_HELD.includes(status);
}

/**
 * Whether `a` says the hold may no longer stand: read after the hold was taken (both are the
 * server's times) and counting fewer units held than the hold alone holds (a hold that stands,
 * RESERVED or CHECKOUT_PENDING, is counted in `reserved`).
 */
export function holdMayHaveEnded(hold: Reservation, a: Availability): boolean {
	return Date.parse(a.asOf) > Date.parse(hold.createdAt) && a.reserved < hold.quantity;
}

/** What the buyer is told about a hold the page showed that the server says has ended. */
export function endedHoldNotice(status: HoldStatus): EndedHoldNotice {
	switch (status) {
		case "CANCELLED":
			return { tone: "info", text: "This hold was cancelled, so its units are back in stock." };
		case "PAYMENT_FAILED":
			return {
				tone: "error",
				text: "This hold was released after its payments failed, so its units went back to stock. Reserve again if any are left.",
			};
		case "PAID":
			return { tone: "success", text: "This hold is already paid." };
		default:
			return {
				tone: "error",
				text: describeCode("reservation_expired", "The hold expired."),
			};
	}
}

/**
 * A hold this page showed that the server does not have for this session any more (404): an
 * operator's reset deletes every unpaid hold, and a paid one would still read as PAID. A payment
 * a reset interrupted is refunded if it took anything (docs/checkout.md).
 */
export const GONE_HOLD_NOTICE: EndedHoldNotice = {
	tone: "error",
	text: "This hold is no longer held: the store no longer has it (the sale may have been reset), so its units are not yours any more. Any amount taken will be refunded. Reserve again if any are left.",
};

/**
 * The same, for a hold this page never sent a payment for whose outcome is unknown (the read
 * that found it gone came from the feed, useHoldCheck.ts): a paid hold is kept through a reset
 * and would read as PAID, so this one was not paid, and there is nothing to refund.
 */
export const RESET_HOLD_NOTICE: EndedHoldNotice = {
	tone: "error",
	text: "This hold is no longer held: the store no longer has it (the sale may have been reset), so its units are not yours any more. It was not paid: a paid hold is kept through a reset. Reserve again if any are left.",
};

/**
 * Why the page could not confirm the end: no answer at all is out of reach; an HTTP refusal (a
 * 429 or 503) is a busy store (docs/decisions/111-the-storefronts-leftovers.md).
 */
export function whyUnconfirmed(status: number): string {
	return status === 0
		? "(This page could not reach the store to confirm.)"
		: "(The store was busy and could not confirm it yet.)";
}
