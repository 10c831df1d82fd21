// fast-check arbitraries shared by the domain's property tests. Runtime-neutral.

import fc from "fast-check";
import type { ProductConfig } from "../../src/domain/inventory.ts";

/**
 * A product of up to `maxStock` units and holds of 1..`maxHoldSeconds` s, with a
 * purchase limit of 1..12 and, or not, a start within `startsWithinMs` of `t0Ms`.
 */
export function productConfigArb(product: {
	sku: string;
	name: string;
	maxStock: number;
	maxHoldSeconds: number;
	t0Ms: number;
	startsWithinMs: number;
}): fc.Arbitrary<ProductConfig> {
	return fc.record({
		sku: fc.constant(product.sku),
		name: fc.constant(product.name),
		priceCents: fc.constant(100),
		currency: fc.constant("USD"),
		totalStock: fc.nat({ max: product.maxStock }),
		holdSeconds: fc.integer({ min: 1, max: product.maxHoldSeconds }),
		perUserLimit: fc.integer({ min: 1, max: 12 }),
		startsAtMs: fc.option(
			fc.integer({ min: product.t0Ms, max: product.t0Ms + product.startsWithinMs }),
			{ nil: null },
		),
	});
}
