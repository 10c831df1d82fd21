// The word between tabs of one buyer session (src/web/storefront/tab-news.ts): a tab acts only on
// news about its own session and SKU; anything else on the channel (another session's tab,
// another product's page, a malformed message) is ignored.

import { describe, expect, it } from "vitest";
import { isTabNews, newsFor } from "../../src/web/storefront/tab-news.ts";

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
		])
			expect(isTabNews(v)).toBe(false);
		expect(newsFor({ ...news, sessionId: 7 }, "s-1", "SKU-1")).toBeNull();
	});
});
