// The guided demo's six steps (docs/demo.md) in Chromium, against the live Worker and
// against the in-browser mock: the same screens, the same assertions.
// The live server runs with rate limits on (reset: one a minute, as in
// production) but with the per-session and per-IP request limits raised, so the
// 200-attempt stampedes reach the stock. Its GUARDRAIL_VIRTUAL_USD is the
// default (0.05): the demo's own threshold, set from the page, is what trips
// in step 4 — the same one in mock and live.

import { describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import {
	BUSY_ANSWER,
	collectPageErrors,
	DESKTOP,
	failFirst,
	metric,
	openContext,
	PHONE,
	regionSays,
	SAYS_NOTHING,
	screenshot,
} from "./browser.ts";
import {
	DEFAULT_THRESHOLD,
	DEMO_SERVER_ENV,
	focusedTag,
	isFocused,
	login,
	meter,
	POLL,
	step,
	walkThrough,
} from "./demo-support.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile, turnstileCalls } from "./turnstile-stand-in.ts";

describe("guided demo", () => {
	const e2e = browserSuite({
		server: { env: DEMO_SERVER_ENV },
	});

	async function open(backend: "mock" | "live", viewport = DESKTOP) {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto(`/demo${backend === "mock" ? "?backend=mock" : ""}`);
		return { page, errors };
	}

	it("walks the six steps against the live server, tripping the guardrail in step 4", async () => {
		const { page, errors } = await open("live");
		expect(await page.getByRole("radio", { name: "Live (server)" }).isChecked()).toBe(true);
		await walkThrough(page, "live", "demo live");
		await screenshot(page, "demo-live");
		expect(errors).toEqual([]);
	});

	it("shows – and the read's problem when the counters after a safe stampede cannot be read", async () => {
		const { page } = await open("live");
		await login(page);
		const stampedeStep = step(page, "Step 3 · Race condition: safe vs eventual");
		const safe = page.getByRole("status", { name: "Safe mode result" });
		// The availability read that measures the run fails (a network cut); the stampede itself goes through.
		const reads = (url: URL) => /^\/api\/products\/[^/]+\/availability$/.test(url.pathname);
		await page.context().route(reads, (route) => route.abort("internetdisconnected"));
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		await expect.poll(() => safe.textContent(), POLL).toMatch(/allocated: \d+/);
		const alert = stampedeStep.getByRole("alert");
		await expect
			.poll(() => alert.textContent(), POLL)
			.toMatch(
				/^Oversell not measured: the sandbox's counters could not be read after the stampede\. /,
			);
		// Not measured is not zero: no "Oversold (safe) 0", no "0 allocated".
		expect(await metric(safe, "Oversold (safe)")).toBe("–");
		expect(await safe.textContent()).toMatch(/Units allocated: not measured\./);
		await expectNoSeriousA11yViolations(page, "demo: stampede not measured");

		// The read works again: the next run is measured, and the problem goes.
		await page.context().unroute(reads);
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		await expect.poll(() => metric(safe, "Oversold (safe)"), POLL).toBe("0");
		expect(await safe.textContent()).toMatch(/100 of 100 units allocated so far/);
		await expect.poll(() => stampedeStep.textContent(), POLL).not.toMatch(/Oversell not measured/);
	});

	it("walks the same steps against the in-browser mock on a phone, tripping at the same step", async () => {
		const { page, errors } = await open("live", PHONE);
		await page.getByRole("radio", { name: "Mock (in browser)" }).check();
		expect(new URL(page.url()).searchParams.get("backend")).toBe("mock");
		// The mock answers in the page: no request of the demo reaches the server.
		const apiCalls: string[] = [];
		page.on("request", (r) => {
			if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls.push(r.url());
		});
		await walkThrough(page, "mock", "demo mock phone");
		expect(apiCalls).toEqual([]);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			PHONE.width,
		);
		await screenshot(page, "demo-mock-phone");
		expect(errors).toEqual([]);
	});

	it("retries a failed config read by itself in Live mode, so step 1's check appears without a reload", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		// The first two reads fail, as the Worker answers when it is busy.
		const reads = failFirst(2);
		await context.route("**/api/config", reads.handle);
		const page = await context.newPage();
		e2e.track(page);
		await page.goto("/demo");
		await step(page, "Step 1 · Login + guardrails on")
			.getByText(
				"Could not load the human check's settings from the server. Trying again by itself…",
			)
			.waitFor({ timeout: POLL.timeout });
		await login(page);
		expect(reads.seen()).toBe(3);
	});

	it("reads the config again no sooner than the answer's Retry-After, like the storefront", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const reads = failFirst(1, { ...BUSY_ANSWER, headers: { "retry-after": "20" } });
		await context.route("**/api/config", reads.handle);
		const page = await context.newPage();
		e2e.track(page);
		// The page's timers run on a clock the test moves.
		await page.clock.install();
		await page.goto("/demo");
		const loginStep = step(page, "Step 1 · Login + guardrails on");
		// Said as soon as the first read failed.
		await loginStep
			.getByText("Could not load the human check's settings from the server.", { exact: false })
			.waitFor({ timeout: POLL.timeout });
		// Ten seconds: far past the backoff's first steps (0.5 s, 1 s, 2 s), short of Retry-After.
		for (let s = 0; s < 10; s++) {
			await page.clock.runFor(1_000);
			await page.waitForTimeout(20);
		}
		expect(reads.seen()).toBe(1);
		for (let s = 0; s < 12 && reads.seen() < 2; s++) {
			await page.clock.runFor(1_000);
			await page.waitForTimeout(20);
		}
		await page.getByRole("checkbox", { name: "I am human" }).waitFor({ timeout: POLL.timeout });
		expect(reads.seen()).toBe(2);
	});

	it("offers the human check again after a failed sign-in, and signs in without a reload", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		// The first sign-in fails as when siteverify cannot be reached (503, Retry-After).
		const posts = failFirst(1);
		await context.route("**/api/sessions", posts.handle);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto("/demo");
		const human = page.getByRole("checkbox", { name: "I am human" });
		await human.click();
		const problem = step(page, "Step 1 · Login + guardrails on").getByRole("alert");
		await expect.poll(() => problem.textContent(), POLL).toMatch(/^The service is busy\./);
		// Once the Retry-After has passed the check is offered again, unticked.
		await expect.poll(() => human.isChecked(), POLL).toBe(false);
		expect(await human.isEnabled()).toBe(true);
		await login(page);
		expect(posts.seen()).toBe(2);
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("finishes step 1's setup with the same session after the sandbox, then the guardrail, failed", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const sessions = failFirst(0);
		const sandboxes = failFirst(1);
		const guardrails = failFirst(1);
		await context.route("**/api/sessions", sessions.handle);
		await context.route("**/api/demo/sandbox", sandboxes.handle);
		await context.route("**/api/demo/guardrail", guardrails.handle);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto("/demo");
		await page.getByRole("checkbox", { name: "I am human" }).click();
		const loginStep = step(page, "Step 1 · Login + guardrails on");
		await expect.poll(() => loginStep.getByRole("alert").textContent(), POLL).toMatch(/busy/);
		expect(await loginStep.textContent()).toMatch(/Signed in\. Sandbox not created\./);
		// Tried again with the session it has: the sandbox now, then the guardrail fails once.
		await page.getByRole("button", { name: "Finish the setup" }).click();
		await expect.poll(() => guardrails.seen(), POLL).toBe(1);
		await page.getByRole("button", { name: "Finish the setup" }).click();
		await expect
			.poll(() => loginStep.textContent(), POLL)
			.toMatch(/Signed in\. Sandbox SBX-\w+ with 100 units/);
		await expect
			.poll(() => isFocused(page.getByRole("heading", { name: /^Step 2 · / })), POLL)
			.toBe(true);
		expect(await page.getByRole("button", { name: "Finish the setup" }).count()).toBe(0);
		// The step's problem is gone: its region says nothing and shows nothing (it stays in the
		// accessibility tree, empty).
		expect(await regionSays(loginStep.getByRole("alert"))).toEqual(SAYS_NOTHING);
		await expect
			.poll(() => metric(meter(page), "Guardrail"), POLL)
			.toBe(`armed at ${DEFAULT_THRESHOLD}`);
		expect([sessions.seen(), sandboxes.seen(), guardrails.seen()]).toEqual([1, 2, 2]);
		expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
	});

	it("asks for a new sign-in when the session is gone by the time of the setup", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const sessions = failFirst(0);
		await context.route("**/api/sessions", sessions.handle);
		await context.route(
			"**/api/demo/sandbox",
			failFirst(1, {
				status: 401,
				json: { error: { code: "unauthorized", message: "Missing or expired session token." } },
			}).handle,
		);
		const page = await context.newPage();
		e2e.track(page);
		await page.goto("/demo");
		const human = page.getByRole("checkbox", { name: "I am human" });
		await human.click();
		// Nothing can go on with that session: the check is offered again, unticked.
		await expect.poll(() => human.isChecked(), POLL).toBe(false);
		expect(await page.getByRole("button", { name: "Finish the setup" }).count()).toBe(0);
		await login(page);
		expect(sessions.seen()).toBe(2);
	});

	it("puts up the simulated human check when switched to mock while the real one is still loading", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, PHONE);
		// The Turnstile script never answers (a slow network): the live check stays loading.
		await context.route("https://challenges.cloudflare.com/**", () => undefined);
		const page = await context.newPage();
		e2e.track(page);
		await page.goto("/demo");
		await page.getByText("Loading the human check…").waitFor();
		await page.getByRole("radio", { name: "Mock (in browser)" }).check();
		await page.getByRole("checkbox", { name: "I am human" }).waitFor({ timeout: POLL.timeout });
	});

	it("mounts the real Turnstile widget once per page view, though the page ticks every second", async () => {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		await standInTurnstile(context);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto("/demo");
		const verify = page.getByRole("button", { name: "Verify (stand-in widget)" });
		await verify.waitFor();
		// Several ticks of the page's one-second clocks.
		await page.waitForTimeout(3_500);
		expect(await turnstileCalls(page)).toEqual({
			renders: 1,
			resets: 0,
			removes: 0,
		});
		expect(await verify.count()).toBe(1);
		await verify.click();
		await expect
			.poll(() => step(page, "Step 1 · Login + guardrails on").textContent(), POLL)
			.toMatch(/Signed in\. Sandbox SBX-\w+/);
		// The session banner keeps ticking; the widget stayed rendered once until it was done.
		await page.waitForTimeout(1_500);
		expect(await turnstileCalls(page)).toMatchObject({ renders: 1 });
		expect(errors).toEqual([]);
	});

	it("switching Mock/Live with one arrow key keeps both runs' progress", async () => {
		const { page, errors } = await open("mock");
		await login(page);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
			.toBe("99");
		// One arrow key on the focused radio switches to live.
		await page.getByRole("radio", { name: "Mock (in browser)" }).focus();
		await page.keyboard.press("ArrowRight");
		expect(await page.getByRole("radio", { name: "Live (server)" }).isChecked()).toBe(true);
		const note = page.getByRole("status", { name: "Backend switch" });
		expect(await note.textContent()).toBe(
			"Showing the Live (server) run. The Mock (in browser) run keeps its progress: switch back to continue it.",
		);
		// Focus stays on the radio group, where the key was pressed.
		expect(await isFocused(page.getByRole("radio", { name: "Live (server)" }))).toBe(true);
		await expect
			.poll(() => page.getByRole("checkbox", { name: "I am human" }).count(), POLL)
			.toBe(1);
		await expectNoSeriousA11yViolations(page, "demo: switched to live");
		// And back: the mock run is where it was.
		await page.keyboard.press("ArrowLeft");
		expect(await page.getByRole("radio", { name: "Mock (in browser)" }).isChecked()).toBe(true);
		expect(await note.textContent()).toBe("Showing the Mock (in browser) run, where you left it.");
		expect(await step(page, "Step 1 · Login + guardrails on").textContent()).toMatch(
			/Signed in\. Sandbox SBX-\w+/,
		);
		expect(await metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available")).toBe(
			"99",
		);
		expect(await page.getByRole("status", { name: "Latency" }).textContent()).toMatch(
			/ms simulated server time/,
		);
		expect(errors).toEqual([]);
	});

	it("sets a bounded threshold from the page and trips the guardrail now, for a presenter", async () => {
		const { page, errors } = await open("live");
		const input = page.getByLabel("Guardrail threshold for this demo (virtual USD)");
		const set = page.getByRole("button", { name: "Set threshold" });
		await input.fill("1");
		await set.click();
		const problem = page.getByRole("alert", { name: "Threshold: problem" });
		await expect
			.poll(() => problem.textContent(), POLL)
			.toBe("Enter a threshold from $0.0001 to $0.05.");
		// The alert says it; focus stays on Set threshold (decision 140).
		await expect.poll(() => isFocused(set), POLL).toBe(true);
		expect(await metric(meter(page), "Guardrail")).toBe(`armed at ${DEFAULT_THRESHOLD}`);
		await input.fill("0.04");
		await set.click();
		await expect
			.poll(() => page.getByRole("status", { name: "Threshold" }).textContent(), POLL)
			.toBe("The guardrail trips above $0.0400 of virtual spend, in mock and live.");
		expect(await metric(meter(page), "Guardrail")).toBe("armed at $0.0400");
		await login(page);
		await expect.poll(() => metric(meter(page), "Guardrail"), POLL).toBe("armed at $0.0400");

		// Far from tripping by spend: the presenter trips it.
		const trip = page.getByRole("button", { name: "Trip now (presenter)" });
		await trip.focus();
		await page.keyboard.press("Enter");
		const banner = step(page, "Step 4 · Virtual guardrail trip").getByRole("alert").first();
		await expect
			.poll(() => banner.textContent(), POLL)
			.toMatch(/^Guardrail tripped by the presenter \(threshold \$0\.0400\)\./);
		expect(await metric(meter(page), "Guardrail")).toBe("tripped at $0.0400");
		await expect
			.poll(() => page.evaluate(() => document.activeElement?.id), POLL)
			.toBe("step-reset");
		expect(await focusedTag(page)).not.toBe("BODY");
		await expectNoSeriousA11yViolations(page, "demo: tripped by the presenter");
		// A new threshold re-arms it, on the server too.
		await input.fill("0.03");
		await set.click();
		await expect.poll(() => metric(meter(page), "Guardrail"), POLL).toBe("armed at $0.0300");
		expect(errors).toEqual([]);
	});
});
