// What the hold panel's Pay button charges: the price the hold was taken at (docs/checkout.md,
// "Which price a hold pays"), not the product's price now, which the live feed may already
// show changed. Pure, so it is unit-tested in Node: test/unit/storefront-hold-price.test.ts.

import type { Product, Reservation } from "../../shared/types.ts";
import { money } from "../lib/format.ts";

export interface HoldPrice {
	/** The Pay button's amount: the hold's quantity at the hold's price. */
	payLabel: string;
	/** Said beside the button when the product's price has changed since the hold; else null. */
	changed: string | null;
}

export function holdPrice(
	hold: Pick<Reservation, "quantity" | "priceCents" | "currency">,
	product: Pick<Product, "priceCents" | "currency">,
	locale?: string,
): HoldPrice {
	// A hold read from a server without hold prices carries none: it pays the product's.
	const own =
		hold.priceCents === undefined || hold.currency === undefined
			? product
			: { priceCents: hold.priceCents, currency: hold.currency };
	const payLabel = `Pay ${money(own.priceCents * hold.quantity, own.currency, locale)}`;
	const same = own.priceCents === product.priceCents && own.currency === product.currency;
	const changed = same
		? null
		: `The price is now ${money(product.priceCents, product.currency, locale)} a unit; your hold keeps the ${money(own.priceCents, own.currency, locale)} it was taken at.`;
	return { payLabel, changed };
}
