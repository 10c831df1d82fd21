// The guided demo says each outcome once, in Chromium (docs/ui.md, "Said once";
// docs/decisions/140-one-announcement-per-outcome.md): the threshold's outcome, step 4's trip,
// step 5's reset result and a step's problem are live regions already in the page, and focus
// is never put on one of them, inside one, or on an element holding one (it would be read
// again); the human check's settings alert is in the page, empty, before its sentence.

import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { BUSY_ANSWER, collectPageErrors, DESKTOP, openContext } from "./browser.ts";
import { DEMO_SERVER_ENV, login, POLL, step } from "./demo-support.ts";
import { arm, focusedName, recordSaidTwice, saidTwice, spoken } from "./said-once.ts";
import { browserSuite } from "./suite.ts";

const NOTHING_TWICE = { created: [], focused: [] };

describe("guided demo: each outcome said once", () => {
	const e2e = browserSuite({ server: { env: DEMO_SERVER_ENV } });

	async function open(backend: "mock" | "live", before?: (route: Route) => unknown) {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		if (before) await context.route("**/api/config", before);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.addInitScript(recordSaidTwice);
		await page.goto(`/demo?backend=${backend}`);
		return { page, errors };
	}

	it("says the threshold's outcome once, focus staying on Set threshold (mock)", async () => {
		const { page, errors } = await open("mock");
		await arm(page);
		const input = page.getByLabel("Guardrail threshold for this demo (virtual USD)");
		const set = page.getByRole("button", { name: "Set threshold" });

		// A threshold out of bounds: said by the alert already in the page; focus stays on Set.
		await input.fill("1");
		await set.click();
		await expect
			.poll(() => page.getByRole("alert", { name: "Threshold: problem" }).textContent(), POLL)
			.toBe("Enter a threshold from $0.0001 to $0.05.");
		await page.waitForTimeout(100);
		expect(await focusedName(page)).toBe("Set threshold");
		expect(await saidTwice(page), "threshold refused").toEqual(NOTHING_TWICE);

		// Taken: said by the status already in the page.
		await input.fill("0.04");
		await set.click();
		await expect
			.poll(() => page.getByRole("status", { name: "Threshold", exact: true }).textContent(), POLL)
			.toBe("The guardrail trips above $0.0400 of virtual spend, in mock and live.");
		await page.waitForTimeout(100);
		expect(await focusedName(page)).toBe("Set threshold");
		expect(await saidTwice(page), "threshold set").toEqual(NOTHING_TWICE);

		expect(errors).toEqual([]);
	});

	it("says the trip once, focus going on to step 5 (mock)", async () => {
		const { page, errors } = await open("mock");
		await arm(page);
		await login(page);
		expect(await saidTwice(page), "sign-in").toEqual(NOTHING_TWICE);

		// The trip: its alert says it; both buttons are off now, so focus goes on to step 5.
		await page.getByRole("button", { name: "Trip now (presenter)" }).click();
		await expect
			.poll(
				() =>
					step(page, "Step 4 · Virtual guardrail trip").getByRole("alert").first().textContent(),
				POLL,
			)
			.toMatch(/^Guardrail tripped by the presenter/);
		await expect.poll(() => focusedName(page), POLL).toBe("step-reset");
		expect(await saidTwice(page), "tripped").toEqual(NOTHING_TWICE);
		expect(errors).toEqual([]);
	});

	it("says a reset's result once, focus staying on Reset (mock)", async () => {
		const { page, errors } = await open("mock");
		await login(page);
		await arm(page);

		// The reset: its result says it; focus stays on the button, which resets again.
		const reset = page.getByRole("button", { name: "Reset the sandbox" });
		await reset.click();
		await expect
			.poll(() => page.getByRole("status", { name: "Reset result" }).textContent(), POLL)
			.toMatch(/^Reset at .+: every unpaid hold was released/);
		await page.waitForTimeout(100);
		expect(await focusedName(page)).toBe("Reset the sandbox");
		expect(await saidTwice(page), "reset").toEqual(NOTHING_TWICE);
		expect(errors).toEqual([]);
	});

	it("says a step's problem once, focus staying on the step's button (mock)", async () => {
		const { page, errors } = await open("mock");
		await login(page);
		const reset = page.getByRole("button", { name: "Reset the sandbox" });
		await reset.click();
		await expect
			.poll(() => page.getByRole("status", { name: "Reset result" }).textContent(), POLL)
			.toMatch(/^Reset at /);
		await arm(page);
		// Refused by the limit: the step's problem, an alert already in the page, says it.
		await reset.click();
		await expect
			.poll(() => step(page, "Step 5 · Reset & recovery").getByRole("alert").textContent(), POLL)
			.toMatch(/^Reset refused: resets are limited to one a minute\./);
		await page.waitForTimeout(100);
		expect(await focusedName(page)).toBe("Reset the sandbox");
		expect(await saidTwice(page), "reset refused").toEqual(NOTHING_TWICE);
		expect(errors).toEqual([]);
	});

	it("says a session ended by a 401 in a later step once, focus going to step 1 (live)", async () => {
		const { page, errors } = await open("live");
		await login(page);
		await arm(page);
		await spoken(page);
		await page.context().route("**/api/reservations", (route) =>
			route.fulfill({
				status: 401,
				json: { error: { code: "unauthorized", message: "Missing or expired session token." } },
			}),
		);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(
				() =>
					step(page, "Step 2 · Baseline allocation (safe path)").getByRole("alert").textContent(),
				POLL,
			)
			.toBe("Your session has ended. Please verify again to continue.");
		// Allocate is off with the session: focus goes to step 1, where the check is offered again.
		await expect.poll(() => focusedName(page), POLL).toBe("step-login");
		await page.waitForTimeout(300);
		// One sentence for the one event: not the step's alert, step 1's alert and the session line.
		const said = (await spoken(page)).filter((s) => /session/i.test(s.text));
		expect(said, JSON.stringify(said)).toHaveLength(1);
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);
		expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
	});

	it("has step 1's alert about the human check's settings in the page, empty, before its sentence (live)", async () => {
		// The first read of the config fails, once the recorder is armed.
		let armed = (): void => undefined;
		const ready = new Promise<void>((resolve) => {
			armed = resolve;
		});
		let reads = 0;
		const { page, errors } = await open("live", async (route) => {
			reads += 1;
			if (reads > 1) return route.fallback();
			await ready;
			return route.fulfill(BUSY_ANSWER);
		});
		await arm(page);
		armed();
		const loginStep = step(page, "Step 1 · Login + guardrails on");
		await expect
			.poll(() => loginStep.getByRole("alert").allTextContents(), POLL)
			.toContain(
				"Could not load the human check's settings from the server. Trying again by itself…",
			);
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);
		await login(page);
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});
});
