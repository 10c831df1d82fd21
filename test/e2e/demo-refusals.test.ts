// The guided demo when the service refuses (docs/decisions/077-demo-refusals-and-reset.md):
// step 4's run honours refusals and Retry-After instead of advising a lower threshold.

import { describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, openContext } from "./browser.ts";
import { login, POLL, step } from "./demo-support.ts";
import { browserSuite } from "./suite.ts";

const HIGH = "1000000";

describe("guided demo: refusals and lost answers", () => {
	const e2e = browserSuite({
		server: {
			env: {
				RATE_LIMITS: "on",
				RATE_LIMIT_RESET: "1",
				RATE_LIMIT_RESERVE: HIGH,
				RATE_LIMIT_RESERVE_NEW: HIGH,
				RATE_LIMIT_RESERVE_SUSPECTED: HIGH,
				RATE_LIMIT_WRITES: HIGH,
				RATE_LIMIT_READS: HIGH,
				RATE_LIMIT_SESSIONS: "1000",
			},
		},
	});

	async function open(backend: "mock" | "live") {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/demo${backend === "mock" ? "?backend=mock" : ""}`);
		await login(page);
		return { page, context, errors };
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
});
