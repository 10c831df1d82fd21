// The guided demo when the service refuses or an answer is lost (docs/decisions/077-demo-refusals-and-reset.md):
// step 4's run honours refusals and Retry-After instead of advising a lower threshold; step 5
// says what the reset itself left, counts the limit's wait down, and calls a reset whose answer
// was lost "not confirmed" until a read of the demo's own hold says whether it was done (once
// with a request that never reached the server, once with a server that reset and died).

import type { Page, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext, screenshot } from "./browser.ts";
import { DEMO_SERVER_ENV, login, POLL, step } from "./demo-support.ts";
import { browserSuite } from "./suite.ts";

/** The demo's reads find their way back after a restart within their backoff. */
const RESTART_POLL = { timeout: 60_000, interval: 200 };

describe("guided demo: refusals and lost answers", () => {
	const e2e = browserSuite({
		server: { env: DEMO_SERVER_ENV },
	});

	async function open(backend: "mock" | "live") {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/demo${backend === "mock" ? "?backend=mock" : ""}`);
		await login(page);
		return { page, context, errors };
	}

	const safeStep = (page: Page) => step(page, "Step 2 · Baseline allocation (safe path)");
	const resetStep = (page: Page) => step(page, "Step 5 · Reset & recovery");
	const resetResult = (page: Page) => page.getByRole("status", { name: "Reset result" });

	async function allocate(page: Page, available: string) {
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(safeStep(page), "Available"), POLL).toBe(available);
	}

	it("ends step 4's run on a service that refuses every attempt, honouring it, without threshold advice", async () => {
		const { page, context, errors } = await open("live");
		let reserves = 0;
		const body = JSON.stringify({
			error: { code: "unavailable", message: "The service is temporarily unavailable." },
		});
		await context.route(
			(url) => url.pathname === "/api/reservations",
			(route) => {
				reserves += 1;
				return route.fulfill({
					status: 503,
					contentType: "application/json",
					headers: { "retry-after": "5" },
					body,
				});
			},
		);
		const guardrail = step(page, "Step 4 · Virtual guardrail trip");
		await page.getByRole("button", { name: "Keep selling until the guardrail trips" }).click();
		await expect
			.poll(() => guardrail.getByRole("alert").last().textContent(), POLL)
			.toBe("The service is busy. Please retry in 5 seconds.");
		const run = guardrail.getByRole("status", { name: "Guardrail run" });
		expect(await run.textContent()).toMatch(
			/^100 attempts sent \(unavailable: 100\)\. Stopped before the guardrail tripped: the server refused the attempts/,
		);
		expect(await guardrail.textContent()).not.toMatch(/lower the threshold/);
		// One wave, then the run stopped: the service asked for quiet.
		expect(reserves).toBe(100);
		await expectNoSeriousA11yViolations(page, "demo: step 4 refused");
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("says what the reset itself left, and counts the limit's wait down (mock)", async () => {
		const { page, errors } = await open("mock");
		await allocate(page, "99");
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => resetResult(page).textContent(), POLL)
			.toMatch(
				/^Reset at .+: every unpaid hold was released, leaving 100 units available\. Press again to see the limit\.$/,
			);
		await allocate(page, "99");
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => resetStep(page).getByRole("alert").textContent(), POLL)
			.toMatch(
				/^Reset refused: resets are limited to one a minute\. The next one is allowed at .+\.$/,
			);
		// The past reset in its own figures, beside today's counters (one unit held since).
		expect(await resetResult(page).textContent()).toMatch(
			/^Reset at .+: every unpaid hold was released, leaving 100 units available\.$/,
		);
		expect(await metric(safeStep(page), "Available")).toBe("99");
		const wait = resetStep(page).getByText(/^Next reset allowed in \d+ s\.$/);
		const first = Number((await wait.textContent())?.match(/\d+/)?.[0]);
		await expect
			.poll(async () => Number((await wait.textContent())?.match(/\d+/)?.[0]), POLL)
			.toBeLessThan(first);
		await expectNoSeriousA11yViolations(page, "demo: reset refused");
		expect(errors).toEqual([]);
	});

	// Last in this file: it kills and restarts the server the file shares.
	it("calls a reset whose answer was lost not confirmed, then says from the demo's hold whether it was done", async () => {
		const { page, context, errors } = await open("live");
		await allocate(page, "99");
		const resets = (handler: (route: Route) => unknown) =>
			context.route((url) => url.pathname === "/api/demo/sandbox/reset", handler);
		// The step's problem line (empty, so not an alert the page exposes).
		const problem = page.locator("#problem-reset");

		// A reset that never reached the server: not confirmed, then not done (the hold is there).
		await resets((route) => route.abort("connectionreset"));
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => resetResult(page).textContent(), POLL)
			.toMatch(
				/^Reset not done: this demo's hold \S+ was still there at .+\. Reset again if you still want to\.$/,
			);
		expect(await problem.textContent()).toBe("");
		expect(await metric(safeStep(page), "Available")).toBe("99");

		// A reset the server did before it died: not confirmed while it is down, done once it is back.
		await context.unrouteAll();
		let answered = 0;
		await resets(async (route) => {
			const res = await route.fetch();
			answered = res.status();
			await e2e.server.crash();
			await route.abort("connectionreset");
		});
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => resetResult(page).textContent(), POLL)
			.toMatch(
				/^Reset \(sent at .+\) not confirmed: Could not reach the server\. The server may have done it/,
			);
		expect(answered).toBe(200);
		expect(await resetResult(page).textContent()).not.toMatch(/try again/i);
		expect(await problem.textContent()).toBe("");
		await screenshot(page, "demo-reset-not-confirmed");

		e2e.server = await e2e.server.restart();
		await expect
			.poll(() => resetResult(page).textContent(), RESTART_POLL)
			.toMatch(
				/^The sandbox was reset \(sent at .+\), although the answer to the reset was lost: this demo's hold \S+ is gone/,
			);
		await expect.poll(() => metric(safeStep(page), "Available"), RESTART_POLL).toBe("100");
		expect(await problem.textContent()).toBe("");
		await expectNoSeriousA11yViolations(page, "demo: lost reset done");
		await screenshot(page, "demo-reset-lost-done");
		expect(errors.filter((e) => !/ERR_CONNECTION_(RESET|REFUSED)/.test(e))).toEqual([]);
	});
});
