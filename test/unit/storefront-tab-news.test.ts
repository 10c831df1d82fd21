// The word between tabs of one buyer session (src/web/storefront/tab-news.ts): a tab acts only on
// news about its own session and SKU; anything else on the channel (another session's tab,
// another product's page, a malformed message) is ignored.

import { describe, expect, it } from "vitest";
import { isTabNews, limitAfterFreed, newsFor } from "../../src/web/storefront/tab-news.ts";

describe("tab news", () => {
	const news = { sessionId: "s-1", sku: "SKU-1", freed: true };

	it("is taken for the same session and SKU", () => {
		expect(newsFor(news, "s-1", "SKU-1")).toEqual(news);
	});

	it("is ignored for another session, another SKU, or a tab with no session", () => {
		expect(newsFor(news, "s-2", "SKU-1")).toBeNull();
		expect(newsFor(news, "s-1", "SKU-2")).toBeNull();
		expect(newsFor(news, null, "SKU-1")).toBeNull();
	});

	it("is ignored when malformed", () => {
		for (const v of [
			null,
			"s-1",
			1,
			{},
			{ ...news, freed: "yes" },
			{ sessionId: "s-1", sku: "SKU-1" },
			{ ...news, holdId: 7 },
			{ ...news, units: 0 },
			{ ...news, units: 1.5 },
		])
			expect(isTabNews(v)).toBe(false);
		expect(newsFor({ ...news, sessionId: 7 }, "s-1", "SKU-1")).toBeNull();
	});

	it("carries a hold's id and the units a release freed", () => {
		const held = { sessionId: "s-1", sku: "SKU-1", freed: false, holdId: "rsv_1~SKU-1" };
		expect(newsFor(held, "s-1", "SKU-1")).toEqual(held);
		const released = { ...news, units: 2 };
		expect(newsFor(released, "s-1", "SKU-1")).toEqual(released);
	});
});

describe("the limit after another tab released units", () => {
	it("stays while the server's count, less the units freed, still reaches the limit", () => {
		// Paid 2 elsewhere and held 1 here, the limit since lowered to 2: a release of 1 leaves 2.
		expect(limitAfterFreed({ perUserLimit: 2, usedUnits: 3 }, 1)).toEqual({
			perUserLimit: 2,
			usedUnits: 2,
		});
	});

	it("goes once the session may be under the limit, or when the page cannot tell", () => {
		expect(limitAfterFreed({ perUserLimit: 2, usedUnits: 2 }, 1)).toBeNull();
		expect(limitAfterFreed({ perUserLimit: 2, usedUnits: 3 }, null)).toBeNull();
		expect(limitAfterFreed({ perUserLimit: 2, usedUnits: null }, 1)).toBeNull();
	});
});
