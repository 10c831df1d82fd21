// The guided demo with a browser clock 21 minutes ahead of the server's (docs/demo.md): the
// session the server gave lasts its 20 minutes on the page too, counted from the sign-in's
// answer (src/web/lib/session-clock.ts), instead of ending at once by the page's clock.

import { describe, expect, it } from "vitest";
import { collectPageErrors, DESKTOP, metric, openContext } from "./browser.ts";
import { DEMO_SERVER_ENV, login, POLL, step } from "./demo-support.ts";
import { browserSuite } from "./suite.ts";

const SAFE = "Step 2 · Baseline allocation (safe path)";

describe("guided demo: the session's clock", () => {
	const e2e = browserSuite({ server: { env: DEMO_SERVER_ENV } });

	it("keeps a live session the server still takes when the browser's clock is 21 minutes ahead", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.clock.install({ time: Date.now() + 21 * 60_000 });
		await page.goto("/demo");
		await login(page);
		const banner = page.getByRole("group", { name: "Session" });
		// A few of the banner's one-second ticks: the session stays, with about 20 minutes left.
		await page.clock.runFor(3_000);
		expect(await banner.textContent()).toMatch(/^Session active · 19:5\d left of 20 minutes/);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(step(page, SAFE), "Available"), POLL).toBe("99");
		expect(await banner.textContent()).toMatch(/^Session active/);

		// Its 20 minutes, counted on the page, do end it.
		await page.clock.fastForward("20:30");
		await page.clock.runFor(2_000);
		await expect.poll(() => banner.textContent(), POLL).toMatch(/^Session ended at /);
		expect(errors).toEqual([]);
	});
});
