// The guided demo (docs/demo.md) says only what it measured, in Chromium: an eventual
// stampede whose answers were lost is "not measured", not "oversellDelta 0"; step 2's
// counters that could not be read after an allocation are "–"; a session that ended (its
// 20 minutes, or a 401) brings step 1's human check back and says so; the cost meter never
// shows a lower total than it has shown.

import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import {
	collectPageErrors,
	DESKTOP,
	metric,
	openContext,
	regionSays,
	SAYS_NOTHING,
} from "./browser.ts";
import { DEMO_SERVER_ENV, isFocused, login, meter, POLL, step } from "./demo-support.ts";
import { browserSuite } from "./suite.ts";

const SAFE = "Step 2 · Baseline allocation (safe path)";
const STAMPEDE = "Step 3 · Race condition: safe vs eventual";
const LOGIN = "Step 1 · Login + guardrails on";

const UNAUTHORIZED = {
	status: 401,
	json: { error: { code: "unauthorized", message: "Missing or expired session token." } },
};

describe("guided demo: only what was measured", () => {
	const e2e = browserSuite({
		server: { env: DEMO_SERVER_ENV },
	});

	async function open(backend: "mock" | "live", clock = false) {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		if (clock) await page.clock.install();
		await page.goto(`/demo${backend === "mock" ? "?backend=mock" : ""}`);
		return { page, errors };
	}

	it("reports an eventual stampede whose answers were lost as not measured, until a reset", async () => {
		const { page } = await open("live");
		await login(page);
		// All but two eventual attempts lose their answer, as when the server dies mid-stampede.
		let eventualSeen = 0;
		const reserves = (route: Route) => {
			if (!/"mode":"eventual"/.test(route.request().postData() ?? "")) return route.fallback();
			eventualSeen += 1;
			return eventualSeen <= 2 ? route.fallback() : route.abort("connectionreset");
		};
		await page.context().route("**/api/reservations", reserves);
		await page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" }).click();
		const eventual = page.getByRole("status", { name: "Eventual mode result" });
		await expect.poll(() => eventual.textContent(), POLL).toMatch(/network_error: 198/);
		const alert = step(page, STAMPEDE).getByRole("alert");
		await expect
			.poll(() => alert.textContent(), POLL)
			.toMatch(
				/^oversellDelta not measured: 198 of 200 eventual attempts got no answer, and an allocation whose answer was lost cannot be counted \(at least 2 units were allocated since the last reset\)\. /,
			);
		// The alert says it; focus stays on the Fire button (decision 140).
		await expect
			.poll(
				() => isFocused(page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" })),
				POLL,
			)
			.toBe(true);
		// Not measured is not zero.
		expect(await metric(eventual, "oversellDelta")).toBe("–");
		expect(await eventual.textContent()).toMatch(/Units allocated: not measured\./);
		const summary = step(page, "Step 6 · Wrap-up");
		expect(await metric(summary, "Eventual oversellDelta")).toBe("–");
		expect(await summary.textContent()).toMatch(
			/eventual mode's oversell was not measured: its runs lost answers/,
		);
		await expectNoSeriousA11yViolations(page, "demo: eventual not measured");

		// Every answer arrives now, but the count since the reset stays a lower bound. On a loaded
		// machine a run may still lose answers to the page's own 15-s timeout (the browser sends
		// 200 requests over six connections): that run says so itself, not measured either, and is
		// fired again, at most three runs in all.
		await page.context().unroute("**/api/reservations", reserves);
		const earlierLost =
			/^oversellDelta not measured: an earlier eventual run since the last reset lost/;
		const ownLoss = /^oversellDelta not measured: \d+ of 200 eventual attempts got no answer/;
		let said = (await alert.textContent()) ?? "";
		for (let run = 1; !earlierLost.test(said); run++) {
			expect(run, said).toBeLessThanOrEqual(3);
			const before = said;
			await page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" }).click();
			// This run's word: a text the last run did not leave.
			await expect
				.poll(async () => {
					const text = (await alert.textContent()) ?? "";
					return text !== before && (earlierLost.test(text) || ownLoss.test(text));
				}, POLL)
				.toBe(true);
			said = (await alert.textContent()) ?? "";
			expect(await metric(eventual, "oversellDelta")).toBe("–");
		}

		// After a reset the next run is measured, and the wrap-up shows it.
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Reset result" }).textContent(), POLL)
			.toMatch(/^Reset at .+: every unpaid hold was released/);
		// The step's problem is gone: its region, still in the page, says and shows nothing.
		expect(await regionSays(alert)).toEqual(SAYS_NOTHING);
		await page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" }).click();
		await expect.poll(() => metric(eventual, "oversellDelta"), POLL).toMatch(/^\d+$/);
		const delta = await metric(eventual, "oversellDelta");
		expect(Number(delta)).toBeGreaterThan(0);
		expect(await metric(summary, "Eventual oversellDelta")).toBe(delta);
	});

	it("shows – in step 2, not the old counters, when the read after an allocation fails", async () => {
		const { page } = await open("live");
		await login(page);
		const safe = step(page, SAFE);
		expect(await metric(safe, "Available")).toBe("100");
		const reads = (url: URL) => /^\/api\/products\/[^/]+\/availability$/.test(url.pathname);
		await page.context().route(reads, (route) => route.abort("connectionreset"));
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Latency" }).textContent(), POLL)
			.toMatch(/ms at the edge/);
		const alert = safe.getByRole("alert");
		await expect
			.poll(() => alert.textContent(), POLL)
			.toMatch(/^The counters could not be read after the last change, so they are not shown\. /);
		expect(await metric(safe, "Available")).toBe("–");
		expect(await metric(safe, "Held")).toBe("–");
		expect(await metric(safe, "Total")).toBe("100");
		// The alert says it; focus stays on Allocate (decision 140).
		await expect
			.poll(() => isFocused(page.getByRole("button", { name: "Allocate 1 unit (safe)" })), POLL)
			.toBe(true);

		// Read again after the next allocation: the counters are back, the problem gone.
		await page.context().unroute(reads);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(safe, "Available"), POLL).toBe("98");
		expect(await metric(safe, "Held")).toBe("2");
		expect(await regionSays(safe.getByRole("alert"))).toEqual(SAYS_NOTHING);
	});

	it("ends the session on the page when its 20 minutes are over (mock), offering the check again", async () => {
		const { page, errors } = await open("mock", true);
		await login(page);
		const banner = page.getByRole("group", { name: "Session" });
		// The mock stores nothing on a server, and says so.
		expect(await banner.textContent()).toMatch(/nothing is stored on a server/);
		expect(await banner.textContent()).not.toMatch(/KV/);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(step(page, SAFE), "Available"), POLL).toBe("99");

		await page.clock.fastForward("20:30");
		await page.clock.runFor(2_000);
		await expect.poll(() => banner.textContent(), POLL).toMatch(/^Session ended at /);
		expect(await banner.textContent()).not.toMatch(/active/);
		const loginStep = step(page, LOGIN);
		const human = page.getByRole("checkbox", { name: "I am human" });
		await expect.poll(() => human.count(), POLL).toBe(1);
		expect(await loginStep.textContent()).not.toMatch(/Signed in/);
		expect(await loginStep.textContent()).toMatch(/Your session ended at /);
		expect(await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).isDisabled()).toBe(
			true,
		);
		// What the run showed stays.
		expect(await page.getByRole("status", { name: "Latency" }).textContent()).toMatch(
			/ms simulated server time/,
		);
		await expectNoSeriousA11yViolations(page, "demo: session ended");

		// A new sign-in goes on, with a new session and sandbox.
		await login(page);
		await expect.poll(() => banner.textContent(), POLL).toMatch(/^Session active/);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(step(page, SAFE), "Available"), POLL).toBe("99");
		expect(errors).toEqual([]);
	});

	it("ends the session on a 401 in a later step (live), offering the check again", async () => {
		const { page } = await open("live");
		await login(page);
		const banner = page.getByRole("group", { name: "Session" });
		expect(await banner.textContent()).toMatch(/Stored in KV/);
		await page.context().route("**/api/reservations", (route) => route.fulfill(UNAUTHORIZED));
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(() => step(page, SAFE).getByRole("alert").textContent(), POLL)
			.toBe("Your session has ended. Please verify again to continue.");
		await expect.poll(() => banner.textContent(), POLL).toMatch(/^Session ended at /);
		const human = page.getByRole("checkbox", { name: "I am human" });
		await expect.poll(() => human.isChecked(), POLL).toBe(false);
		expect(await step(page, LOGIN).textContent()).not.toMatch(/Signed in/);
		expect(
			await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).isDisabled(),
		).toBe(true);

		await page.context().unroute("**/api/reservations");
		await login(page);
		// The new session's problems start clean.
		expect(await regionSays(step(page, SAFE).getByRole("alert"))).toEqual(SAYS_NOTHING);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(step(page, SAFE), "Available"), POLL).toBe("99");
	});

	it("never shows a lower virtual spend than it showed, and says why after a lost answer", async () => {
		const { page } = await open("live");
		await login(page);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(() => metric(step(page, SAFE), "Available"), POLL).toBe("99");
		const spend = () => metric(meter(page), "Virtual spend (list prices)");
		const shown = await spend();
		expect(shown).toMatch(/^\$0\.\d{6}$/);
		// The server dies with an allocation in flight (no answer) and comes back having lost
		// its unflushed metering: its next answer reports a lower running total.
		let reserves = 0;
		await page.context().route("**/api/reservations", (route) => {
			reserves += 1;
			return reserves === 1 ? route.abort("connectionreset") : route.fallback();
		});
		await page.context().route(
			(url) => /^\/api\/products\/[^/]+\/availability$/.test(url.pathname),
			async (route) => {
				const response = await route.fetch();
				const body = await response.json();
				body.meta.cost.virtualUsd = 0.0000001;
				await route.fulfill({ response, json: body });
			},
		);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		const note = meter(page).getByRole("status", { name: "Virtual spend note" });
		await expect
			.poll(() => note.textContent(), POLL)
			.toMatch(
				/^The server reports less for this session than the meter shows: a restart of the server loses the metering it had not saved yet \(it saves every 2 s\)\./,
			);
		expect(await meter(page).textContent()).toMatch(
			/Server's total for this session: \$0\.000000; shown: \$0\.\d{6}\./,
		);
		expect(await spend()).toBe(shown);
	});

	it("keeps the sign-in's spend when the setup's answer is lost and the server comes back lower", async () => {
		const { page } = await open("live");
		// The sandbox's first answer is lost (the server died); the next one comes from a
		// server that lost the sign-in's unflushed metering.
		let boxes = 0;
		await page.context().route("**/api/demo/sandbox", async (route) => {
			boxes += 1;
			if (boxes === 1) return route.abort("connectionreset");
			const response = await route.fetch();
			const body = await response.json();
			body.meta.cost.virtualUsd = 0.0000001;
			return route.fulfill({ response, json: body });
		});
		await page.getByRole("checkbox", { name: "I am human" }).click();
		const finish = page.getByRole("button", { name: "Finish the setup" });
		await finish.waitFor({ timeout: POLL.timeout });
		const spend = () => metric(meter(page), "Virtual spend (list prices)");
		const shown = await spend();
		expect(Number(shown.slice(1))).toBeGreaterThan(0);
		await finish.click();
		await expect
			.poll(() => step(page, LOGIN).textContent(), POLL)
			.toMatch(/Signed in\. Sandbox SBX-\w+ with 100 units/);
		await expect
			.poll(
				() => meter(page).getByRole("status", { name: "Virtual spend note" }).textContent(),
				POLL,
			)
			.toMatch(/^The server reports less for this session than the meter shows: /);
		// Never below the sign-in's total the meter showed.
		expect(Number((await spend()).slice(1))).toBeGreaterThanOrEqual(Number(shown.slice(1)));
	});
});
