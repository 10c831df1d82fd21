// A buyer whose own hold ended unpaid, in Chromium: Reserve at once is refused 429
// `hold_cooldown` (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md). The page
// says why and when, in its words; the button counts down the Retry-After instead of inviting a
// refused click, and the notice goes and Reserve works again once the wait is over.

import { describe, expect, it } from "vitest";
import { cooldownMs } from "../../src/domain/hold-cooldown.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { metric, screenshot } from "./browser.ts";
import { alertText, createDrop, openStore, POLL, verify } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

const HOLD_SECONDS = 2;
const COOL_SECONDS = cooldownMs(HOLD_SECONDS) / 1000;

describe("storefront after the buyer's own hold ended unpaid", () => {
	const e2e = browserSuite();

	it("says the units went to others first, counts down the wait, then reserves again", async () => {
		const sku = await createDrop(e2e.server, { holdSeconds: HOLD_SECONDS });
		const { page } = await openStore(e2e.browser, e2e.server, sku);
		e2e.track(page);
		await verify(page);
		const reserve = page.getByRole("button", { name: "Reserve" });
		await reserve.click();
		await page.getByRole("timer", { name: "Time left on your hold" }).waitFor();
		await expect.poll(() => alertText(page), POLL).toMatch(/hold expired/);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("3");

		await reserve.click();
		await expect
			.poll(() => alertText(page), POLL)
			.toMatch(
				/^Your last hold on this product ended without a payment, so its units went to other buyers first\. You can reserve it again in \d+ seconds?\.$/,
			);
		const waiting = page.getByRole("button", { name: /^Wait \d+ s$/ });
		expect(await waiting.isDisabled()).toBe(true);
		const shown = Number((await waiting.textContent())?.match(/\d+/)?.[0]);
		expect(shown).toBeGreaterThan(0);
		expect(shown).toBeLessThanOrEqual(COOL_SECONDS);
		// Nothing was taken: the units stay available to everyone else.
		expect(await metric(page, "Available")).toBe("3");
		await screenshot(page, "storefront-hold-cooldown");
		await expectNoSeriousA11yViolations(page, "storefront-hold-cooldown");

		// Once the wait is over the notice goes and Reserve takes a hold again.
		await reserve.waitFor({ timeout: (COOL_SECONDS + 10) * 1000 });
		await expect.poll(() => alertText(page), POLL).toBe("");
		await reserve.click();
		await page.getByRole("timer", { name: "Time left on your hold" }).waitFor();
	});
});
