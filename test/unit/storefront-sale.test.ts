// The storefront's derivations (src/web/storefront/sale.ts): sale status and the
// Reserve button from availability and clock, retiring outcomes the live state
// made untrue, the clock offset and the short order number.
import { describe, expect, it } from "vitest";
import type { ApiErr } from "../../src/web/api/client.ts";
import { describeError } from "../../src/web/api/outcomes.ts";
import {
	clockOffsetMs,
	limitElsewhereReason,
	orderNumber,
	productOutdated,
	refusalOutdatesProduct,
	type SaleView,
	saleView,
	stillTrue,
} from "../../src/web/storefront/sale.ts";
import { availability, product, T0 } from "../support/storefront-product.ts";

describe("saleView", () => {
	it("opens at startsAt by the clock alone, even while the feed still says scheduled", () => {
		const p = product({ startsAt: new Date(T0 + 5_000).toISOString() });
		const a = availability({ status: "scheduled" });
		const before = saleView(p, a, T0 + 4_999, 0);
		expect(before).toMatchObject({
			status: "scheduled",
			startsInMs: 1,
			blocked: { code: "not_started" },
		});
		const after = saleView(p, a, T0 + 5_000, 0);
		expect(after).toMatchObject({ status: "live", startsInMs: null, blocked: null });
	});

	it("is sold out exactly when nothing is available, and live again when stock returns", () => {
		const p = product();
		expect(saleView(p, availability({ available: 0, status: "live" }), T0, 0)).toMatchObject({
			status: "sold_out",
			blocked: { code: "sold_out" },
		});
		expect(saleView(p, availability({ available: 1, status: "sold_out" }), T0, 0)).toMatchObject({
			status: "live",
			blocked: null,
			maxQuantity: 1,
		});
	});

	it("blocks at the buyer's limit with the reason, and offers no more than the allowance", () => {
		const p = product({ perUserLimit: 3 });
		expect(saleView(p, availability(), T0, 1)).toMatchObject({ allowance: 2, maxQuantity: 2 });
		const full = saleView(p, availability(), T0, 3);
		expect(full.blocked?.code).toBe("purchase_limit");
		expect(full.blocked?.reason).toMatch(/3 of 3 allowed per buyer/);
	});

	it("says the limit, not sold out, to a buyer at the limit while stock is out (the reason that stays true)", () => {
		const p = product({ perUserLimit: 2 });
		const out = availability({ available: 0, status: "live" });
		const atLimit = saleView(p, out, T0, 2);
		expect(atLimit.status).toBe("sold_out");
		expect(atLimit.blocked).toMatchObject({ code: "purchase_limit" });
		expect(atLimit.blocked?.reason).toBe("You hold or bought 2 of 2 allowed per buyer.");
		expect(saleView(p, out, T0, 1).blocked?.code).toBe("sold_out");
		// A limit lowered below what the buyer has: the buyer's own count, not "1 of 1".
		expect(saleView(product({ perUserLimit: 1 }), availability(), T0, 3).blocked?.reason).toBe(
			"You hold or bought 3, and each buyer may hold or buy 1.",
		);
	});

	it("reports closed as closed", () => {
		expect(saleView(product(), availability({ status: "closed" }), T0, 0).blocked?.code).toBe(
			"closed",
		);
	});
});

describe("an operator's change to the product (productOutdated, refusalOutdatesProduct)", () => {
	const inAnHour = new Date(T0 + 3_600_000).toISOString();

	it("agrees with the server at the availability's asOf, whatever this device's clock", () => {
		// Scheduled on both sides, and the clock opening the drop at startsAt: no contradiction.
		const scheduled = availability({ status: "scheduled" });
		expect(productOutdated(product({ startsAt: inAnHour }), scheduled)).toBe(false);
		expect(productOutdated(product(), availability({ status: "live" }))).toBe(false);
		expect(productOutdated(product(), availability({ status: "sold_out", available: 0 }))).toBe(
			false,
		);
		expect(
			productOutdated(product({ startsAt: inAnHour }), availability({ status: "closed" })),
		).toBe(false);
		// Started at asOf exactly: the server no longer says scheduled.
		const startsAtAsOf = product({ startsAt: new Date(T0).toISOString() });
		expect(productOutdated(startsAtAsOf, availability({ status: "live" }))).toBe(false);
	});

	it("sees a drop opened early or postponed, and follows the server's status until re-read", () => {
		// Opened early: the server sells while the page's copy still counts down.
		const early = saleView(
			product({ startsAt: inAnHour }),
			availability({ status: "live" }),
			T0,
			0,
		);
		expect(productOutdated(product({ startsAt: inAnHour }), availability({ status: "live" }))).toBe(
			true,
		);
		expect(early).toMatchObject({ status: "live", startsInMs: null, blocked: null });
		// Postponed: the page's copy says on sale, the server says scheduled.
		const late = saleView(product(), availability({ status: "scheduled" }), T0, 0);
		expect(productOutdated(product(), availability({ status: "scheduled" }))).toBe(true);
		expect(late).toMatchObject({ status: "scheduled", startsInMs: null });
		expect(late.blocked).toEqual({
			code: "not_started",
			reason: "Reserving opens when the drop starts.",
		});
	});

	it("re-reads after a refusal the page's copy did not foresee, not after the expected ones", () => {
		expect(refusalOutdatesProduct("queued", { hasRoom: false, status: "live" })).toBe(true);
		expect(refusalOutdatesProduct("queued", { hasRoom: true, status: "live" })).toBe(false);
		expect(refusalOutdatesProduct("not_started", { hasRoom: false, status: "live" })).toBe(true);
		expect(refusalOutdatesProduct("not_started", { hasRoom: false, status: "scheduled" })).toBe(
			false,
		);
		expect(refusalOutdatesProduct("purchase_limit", { hasRoom: false, status: "live" })).toBe(true);
		for (const code of ["sold_out", "rate_limited", "network_error", "unavailable"])
			expect(refusalOutdatesProduct(code, { hasRoom: false, status: "live" })).toBe(false);
	});
});

describe("stillTrue", () => {
	const view = (status: SaleView["status"]): SaleView => ({
		status,
		startsInMs: null,
		allowance: 2,
		blocked: null,
		maxQuantity: 1,
	});

	it("keeps a Sold out answer until an availability newer than the answer shows stock", () => {
		const evidence = { noticeAtServerMs: T0, serverNowMs: T0 + 100 };
		// The page still showed the last unit when the answer came: not evidence against it.
		expect(stillTrue("sold_out", view("live"), { ...evidence, availabilityAsOfMs: T0 - 50 })).toBe(
			true,
		);
		expect(
			stillTrue("sold_out", view("sold_out"), { ...evidence, availabilityAsOfMs: T0 + 50 }),
		).toBe(true);
		expect(stillTrue("sold_out", view("live"), { ...evidence, availabilityAsOfMs: T0 + 50 })).toBe(
			false,
		);
	});

	it("retires not started once the sale is open past a margin; keeps anything else", () => {
		const evidence = { noticeAtServerMs: T0, availabilityAsOfMs: T0 };
		expect(
			stillTrue("not_started", view("scheduled"), { ...evidence, serverNowMs: T0 + 5_000 }),
		).toBe(true);
		expect(stillTrue("not_started", view("live"), { ...evidence, serverNowMs: T0 + 200 })).toBe(
			true,
		);
		expect(stillTrue("not_started", view("live"), { ...evidence, serverNowMs: T0 + 5_000 })).toBe(
			false,
		);
		expect(stillTrue("payment_declined", view("live"), { ...evidence, serverNowMs: T0 })).toBe(
			true,
		);
	});
});

describe("clock and order number", () => {
	it("measures the server's clock against this one", () => {
		expect(clockOffsetMs(new Date(T0 + 3_000).toISOString(), T0)).toBe(3_000);
		expect(clockOffsetMs("not a date", T0)).toBe(0);
	});

	it("turns an order id into a short number a buyer can read out", () => {
		expect(orderNumber("ord_4f2a9c1b0123456789abcdef~DEMO-SNEAKER")).toBe("89AB-CDEF");
		// Two orders in the same millisecond share the id's clock digits, not their numbers.
		const sameMs = ["ord_019ad0c3e5f2a1b2c3d4e5f6~S", "ord_019ad0c3e5f26f7e8d9c0b1a~S"];
		expect(sameMs.map(orderNumber)).toEqual(["C3D4-E5F6", "8D9C-0B1A"]);
		expect(orderNumber("something-else")).toBe("something-else");
	});
});

describe("the limit as the server's refusal counted it (another tab's units)", () => {
	it("names the session's count past the limit: 3 of 2, not only the limit", () => {
		const p = product({ perUserLimit: 2 });
		expect(limitElsewhereReason(p, 3)).toBe(
			"This session holds or bought 3 units, in another tab or window, and each buyer may hold or buy 2.",
		);
		expect(limitElsewhereReason(p, 2)).toBe(
			"This session already holds or bought the per-buyer limit of 2 units, in another tab or window.",
		);
		expect(limitElsewhereReason(p)).toBe(limitElsewhereReason(p, 2));
	});

	it("words a reserve's 403 by the server's figures when it gave them", () => {
		const refused: ApiErr = {
			ok: false,
			status: 403,
			code: "purchase_limit",
			message: "…",
			meta: null,
			retryAfterSeconds: null,
			roundTripMs: 1,
			limit: { perUserLimit: 2, usedUnits: 3 },
		};
		expect(describeError(refused, { perUserLimit: 3 })).toBe(
			"Purchase limit reached: this session holds or bought 3 of this product, in this tab or another, and each buyer may hold or buy 2.",
		);
		const { limit: _, ...bare } = refused;
		expect(describeError(bare, { perUserLimit: 2 })).toBe(
			"Purchase limit reached: each buyer may hold or buy 2 of this product.",
		);
	});
});
