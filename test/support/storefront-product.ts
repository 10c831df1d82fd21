// A product and its availability as the storefront's unit tests build them: a live drop of 10
// units at T0, with the fields a test names changed.

import type { Availability, Product } from "../../src/shared/types.ts";

export const T0 = Date.UTC(2026, 0, 1, 12);

export function availability(fields: Partial<Availability> = {}): Availability {
	return {
		sku: "S",
		total: 10,
		available: 4,
		reserved: 3,
		sold: 3,
		status: "live",
		asOf: new Date(T0).toISOString(),
		...fields,
	};
}

export function product(fields: Partial<Product> = {}): Product {
	return {
		sku: "S",
		name: "Shoe",
		priceCents: 100,
		currency: "USD",
		totalStock: 10,
		holdSeconds: 120,
		perUserLimit: 2,
		startsAt: null,
		availability: availability(),
		...fields,
	};
}
