// What the storefront shows about the sale, derived from the live availability,
// the product and the clock on every render — never remembered from an earlier
// answer. Pure (no DOM): unit-tested in test/unit/storefront-sale.test.ts.

import type { Availability, DropStatus, Product } from "../../shared/types.ts";

/** Quantity choices never go beyond this, whatever the per-buyer limit (docs/api.md: 1..10). */
export const MAX_QUANTITY_CHOICES = 10;

export interface SaleView {
	status: DropStatus;
	/** Milliseconds until the drop opens, while it has not. */
	startsInMs: number | null;
	/** Units this buyer may still hold or buy. */
	allowance: number;
	/** Why Reserve is off right now, in words; null when it is on. */
	blocked: {
		code: "not_started" | "sold_out" | "closed" | "purchase_limit";
		reason: string;
	} | null;
	/** The largest quantity worth offering (at least 1). */
	maxQuantity: number;
}

/**
 * Whether the server's availability contradicts the page's copy of the product: the
 * server says "scheduled" exactly while its clock is before startsAt (src/domain/inventory-stock.ts
 * status), so at the availability's own `asOf` the two must agree about the start. They
 * disagree only when the operator changed `startsAt` since the product was read (opened
 * early, postponed): the product is then read again. No clock of this device is involved.
 */
export function productOutdated(product: Product, availability: Availability): boolean {
	if (availability.status === "closed") return false;
	const startsAtMs = product.startsAt === null ? null : Date.parse(product.startsAt);
	const scheduledAtAsOf = startsAtMs !== null && Date.parse(availability.asOf) < startsAtMs;
	return (availability.status === "scheduled") !== scheduledAtAsOf;
}

/**
 * A refusal of Reserve that the page's copy of the product did not foresee: the operator
 * changed the product since (a waiting room enabled, the start moved, the per-buyer limit
 * lowered), so the product is read again. `queued` on a page that knows a room is the
 * room's normal answer, and `not_started` before the page's own start is expected.
 */
export function refusalOutdatesProduct(
	code: string,
	page: { hasRoom: boolean; status: DropStatus | null },
): boolean {
	switch (code) {
		case "queued":
			return !page.hasRoom;
		case "not_started":
			return page.status !== "scheduled";
		case "purchase_limit":
			return true;
		default:
			return false;
	}
}

/**
 * `nowMs` is the server's clock as well as this page can tell (see `serverNow`):
 * at startsAt the sale opens here on its own, without waiting for a change on the feed.
 * While the availability contradicts the product's start (`productOutdated`: the operator
 * moved it, the product is being read again), the server's status is the truth and no
 * countdown is shown.
 */
export function saleView(
	product: Product,
	availability: Availability,
	nowMs: number,
	unitsOfBuyer: number,
): SaleView {
	const outdated = productOutdated(product, availability);
	const startsAtMs = outdated || product.startsAt === null ? null : Date.parse(product.startsAt);
	const startsInMs = startsAtMs !== null && nowMs < startsAtMs ? startsAtMs - nowMs : null;
	const scheduled = outdated ? availability.status === "scheduled" : startsInMs !== null;
	const status: DropStatus =
		availability.status === "closed"
			? "closed"
			: scheduled
				? "scheduled"
				: availability.available > 0
					? "live"
					: "sold_out";
	const allowance = Math.max(0, product.perUserLimit - unitsOfBuyer);
	let blocked: SaleView["blocked"] = null;
	if (status === "closed") blocked = { code: "closed", reason: "This drop is closed." };
	else if (status === "scheduled")
		blocked = {
			code: "not_started",
			reason:
				startsAtMs === null
					? "Reserving opens when the drop starts."
					: `Reserving opens when the drop starts, at ${new Date(startsAtMs).toLocaleTimeString()}.`,
		};
	// The limit before sold out: it stays true longest. Stock that comes back is no news to a
	// buyer at the limit, so "this page updates by itself" would have them wait for nothing.
	else if (allowance === 0)
		blocked = { code: "purchase_limit", reason: limitReason(product, unitsOfBuyer) };
	else if (status === "sold_out")
		blocked = {
			code: "sold_out",
			reason:
				"Sold out right now. Holds that run out or are released come back to stock, and this page updates by itself.",
		};
	const maxQuantity = Math.max(
		1,
		Math.min(allowance, Math.max(availability.available, 1), MAX_QUANTITY_CHOICES),
	);
	return { status, startsInMs, allowance, blocked, maxQuantity };
}

/**
 * The units to count against the limit for the quantity choice: this tab's own (paid and held),
 * or the server's count from a `purchase_limit` refusal that left units (`error.limit`: a tab that
 * missed another tab's hold offered more than is left), whichever is larger. A count at or past
 * the limit is left to the refusal's words: the server decides again on the next Reserve.
 */
export function unitsForChoice(
	ownUnits: number,
	refused: { perUserLimit: number | null; usedUnits: number | null } | undefined,
): number {
	const used = refused?.usedUnits ?? null;
	const limit = refused?.perUserLimit ?? null;
	return used !== null && limit !== null && used < limit ? Math.max(ownUnits, used) : ownUnits;
}

/** Why a buyer at the per-buyer limit can reserve no more (also the waiting page's, WaitingPanel.tsx). */
export function limitReason(product: Product, unitsOfBuyer: number): string {
	const limit = product.perUserLimit;
	// A limit lowered by the operator below what this buyer already has is said as it is.
	return unitsOfBuyer > limit
		? `You hold or bought ${unitsOfBuyer}, and each buyer may hold or buy ${limit}.`
		: `You hold or bought ${limit} of ${limit} allowed per buyer.`;
}

/**
 * The limit as the server's refusal of a join said it: this tab does not see the units, which
 * another tab or window of the same session holds or bought; `usedUnits`, the server's count of
 * them (the 403's `error.limit`) when it said it.
 */
export function limitElsewhereReason(product: Product, usedUnits: number | null = null): string {
	const n = product.perUserLimit;
	// The server's count past the limit (a limit lowered since): "3 of 2" rather than "the limit of 2".
	if (usedUnits !== null && usedUnits > n)
		return `This session holds or bought ${usedUnits} units, in another tab or window, and each buyer may hold or buy ${n}.`;
	return `This session already holds or bought the per-buyer limit of ${n} ${n === 1 ? "unit" : "units"}, in another tab or window.`;
}

/** What is known about the sale since an outcome was shown. */
export interface Evidence {
	/** When the outcome was answered, on the server's clock (as well as this page can tell). */
	noticeAtServerMs: number;
	/** The `asOf` of the availability on screen. */
	availabilityAsOfMs: number;
	serverNowMs: number;
}

/** After startsAt, a "not started" answer is kept this long (clocks are never exact). */
export const START_MARGIN_MS = 1_000;

/**
 * Whether an outcome shown earlier is still true of the sale as it is now. Only
 * evidence newer than the answer can retire it: a "Sold out" answered while the
 * page still showed the last unit stays until an availability from after the
 * answer shows stock again.
 */
export function stillTrue(code: string, sale: SaleView, evidence: Evidence): boolean {
	switch (code) {
		case "sold_out":
			return evidence.availabilityAsOfMs <= evidence.noticeAtServerMs || sale.status === "sold_out";
		case "not_started":
			return (
				sale.status === "scheduled" ||
				evidence.serverNowMs < evidence.noticeAtServerMs + START_MARGIN_MS
			);
		default:
			return true;
	}
}

/**
 * The server's clock as seen from here: each availability carries the server's
 * `asOf`; the offset from the local clock at receipt corrects a device whose clock
 * is wrong (network delay aside), so a countdown ends when the server opens.
 */
export function clockOffsetMs(asOf: string, receivedAtMs: number): number {
	const serverMs = Date.parse(asOf);
	return Number.isFinite(serverMs) ? serverMs - receivedAtMs : 0;
}

/**
 * A short order number for people: the last 8 of the id's 24 hex digits, in two groups.
 * Ids start with the clock (src/worker/ids.ts), so their first digits are the same for every
 * order placed within a minute; the last digits are random.
 */
export function orderNumber(orderId: string): string {
	const hex = /^ord_[0-9a-f]{16}([0-9a-f]{8})/i.exec(orderId)?.[1];
	if (hex === undefined) return orderId;
	const upper = hex.toUpperCase();
	return `${upper.slice(0, 4)}-${upper.slice(4)}`;
}

/**
 * Why the waiting card offers no turn, or null: at the per-buyer limit one could buy nothing,
 * and the server refuses the ticket (docs/decisions/097-the-storefront-queue-and-limit-states.md);
 * or the server refused a join for the limit, for units this tab does not see (another tab's).
 */
export function queueLimitText(
	product: Product | null,
	sale: SaleView | null,
	ownUnits: number,
	queue: { atLimit: boolean; limitUsedUnits: number | null },
): string | null {
	if (product === null) return null;
	if (sale !== null && sale.allowance === 0) return limitReason(product, ownUnits);
	return queue.atLimit ? limitElsewhereReason(product, queue.limitUsedUnits) : null;
}
