// The 403 `purchase_limit` sentences (src/shared/limit-message.ts): a reserve's and a join's
// refusal give the session's count in one wording, so two routes a second apart agree. After
// the operator lowered the limit, the reserve says "3 units … past the limit of 2", as the join.

import { describe, expect, it } from "vitest";
import { joinLimitMessage, limitMessage } from "../../src/shared/limit-message.ts";

describe("the purchase_limit sentences", () => {
	it("a reserve past a lowered limit names the session's count, as the join does", () => {
		const reserve = limitMessage("SKU-1", { perUserLimit: 2, usedUnits: 3, askedUnits: 1 });
		expect(reserve).toBe(
			"This session holds or bought 3 units of SKU-1, past the per-buyer limit of 2 units.",
		);
		expect(joinLimitMessage("SKU-1", 2, 3)).toBe(
			"This session holds or bought 3 units of SKU-1, past the per-buyer limit of 2 units, so it gets no place in the queue: a turn could buy nothing.",
		);
	});

	it("keeps the sentences docs/api.md quotes at the limit and below it", () => {
		expect(limitMessage("SKU-1", { perUserLimit: 2, usedUnits: 2, askedUnits: 1 })).toBe(
			"This session already holds or bought the per-buyer limit of 2 units of SKU-1.",
		);
		expect(limitMessage("SKU-1", { perUserLimit: 2, usedUnits: 1, askedUnits: 2 })).toBe(
			"The per-buyer limit of SKU-1 is 2 units: this session holds or bought 1 and asked for 2, which would cross it.",
		);
		expect(joinLimitMessage("SKU-1", 2, 2)).toBe(
			"This session already holds or bought the per-buyer limit of 2 units of SKU-1, so it gets no place in the queue: a turn could buy nothing.",
		);
		expect(limitMessage("SKU-1", { perUserLimit: 2, askedUnits: 3 })).toBe(
			"The per-buyer limit of SKU-1 is 2 units: this session asked for 3, more than it allows.",
		);
		expect(limitMessage("SKU-1", {})).toBeUndefined();
	});
});
