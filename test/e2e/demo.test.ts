// The guided demo's six steps (docs/demo.md) in Chromium, against the live Worker and
// against the in-browser mock: the same screens, the same assertions.
// The live server runs with rate limits on (reset: one a minute, as in
// production) but with the per-session and per-IP request limits raised, so the
// 200-attempt stampedes reach the stock. Its GUARDRAIL_VIRTUAL_USD is the
// default (0.05): the demo's own threshold, set from the page, is what trips
// in step 4 — the same one in mock and live.

import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DEMO_GUARDRAIL_DEFAULT_USD } from "../../src/shared/demo-guardrail.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext, PHONE, screenshot } from "./browser.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile, turnstileCalls } from "./turnstile-stand-in.ts";

const POLL = { timeout: 30_000, interval: 200 };
const HIGH = "1000000";
const DEFAULT_THRESHOLD = `$${DEMO_GUARDRAIL_DEFAULT_USD.toFixed(4)}`;

/** True when the element has keyboard focus (and so focus did not fall to <body>). */
const isFocused = (l: Locator) => l.evaluate((el) => el === document.activeElement);
const focusedTag = (page: Page) => page.evaluate(() => document.activeElement?.tagName ?? "");

describe("guided demo", () => {
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

	async function open(backend: "mock" | "live", viewport = DESKTOP) {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto(`/demo${backend === "mock" ? "?backend=mock" : ""}`);
		return { page, errors };
	}

	const step = (page: Page, title: string) => page.getByRole("region", { name: title });
	const heading = (page: Page, title: string) => page.getByRole("heading", { name: title });
	const meter = (page: Page) => page.getByRole("region", { name: "Cost meter" });

	async function login(page: Page): Promise<void> {
		// click, not check: the box may be replaced once login succeeds, racing check()'s read-back.
		await page.getByRole("checkbox", { name: "I am human" }).click();
		await expect
			.poll(() => step(page, "Step 1 · Login + guardrails on").textContent(), POLL)
			.toMatch(/Signed in\. Sandbox SBX-\w+ with 100 units/);
		// Login ends by moving focus to the next step's heading.
		await expect
			.poll(() => isFocused(heading(page, "Step 2 · Baseline allocation (safe path)")), POLL)
			.toBe(true);
	}

	async function walkThrough(page: Page, backend: "mock" | "live", label: string): Promise<void> {
		// Before the run: the demo's own threshold is on the page and in the meter.
		expect(
			await page.getByLabel("Guardrail threshold for this demo (virtual USD)").inputValue(),
		).toBe(String(DEMO_GUARDRAIL_DEFAULT_USD));
		expect(await metric(meter(page), "Guardrail")).toBe(`armed at ${DEFAULT_THRESHOLD}`);
		await expectNoSeriousA11yViolations(page, `${label}: before the run`);

		// 1. Login: the human check, the 20-minute session banner, the cost meter at $0.
		await login(page);
		await expect
			.poll(() => page.getByRole("status", { name: "Session" }).textContent(), POLL)
			.toMatch(/(19:5\d|20:00) left of 20 minutes/);
		expect(await metric(meter(page), "Real spend")).toBe("$0.00");
		await expect
			.poll(() => isFocused(heading(page, "Step 2 · Baseline allocation (safe path)")), POLL)
			.toBe(true);
		// The threshold went to the session: the server (or the mock) now reports it.
		await expect
			.poll(() => metric(meter(page), "Guardrail"), POLL)
			.toBe(`armed at ${DEFAULT_THRESHOLD}`);

		// 2. A safe allocation with its latency badge; focus moves on to step 3.
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Latency" }).textContent(), POLL)
			.toMatch(/ms at the edge/);
		await expect
			.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
			.toBe("99");
		await expect
			.poll(() => isFocused(heading(page, "Step 3 · Race condition: safe vs eventual")), POLL)
			.toBe(true);
		// Every response carries its own cost: the receipt names the last one.
		await expect
			.poll(
				() =>
					meter(page)
						.getByText(/^Last response:/)
						.textContent(),
				POLL,
			)
			.toMatch(/^Last response: \$0\.\d{7} · GET \/api\/products\/SBX-\w+\/availability → 200$/);
		await meter(page)
			.getByText(/^Last response:/)
			.click();
		const receipt = meter(page).getByRole("table", { name: "Receipt for the last response" });
		expect(await receipt.getByRole("row", { name: /Worker request/ }).textContent()).toMatch(
			/Worker request\s*1/,
		);
		await expectNoSeriousA11yViolations(page, `${label}: step 2 done, receipt open`);
		await meter(page)
			.getByText(/^Last response:/)
			.click();

		// 3. The stampede: safe mode caps at the stock, eventual mode oversells.
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		const safe = page.getByRole("status", { name: "Safe mode result" });
		await expect.poll(() => safe.textContent(), POLL).toMatch(/allocated: 99.*sold_out: 101/);
		expect(await metric(safe, "Oversold (safe)")).toBe("0");
		await expect.poll(() => isFocused(safe), POLL).toBe(true);
		await page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" }).click();
		const eventual = page.getByRole("status", { name: "Eventual mode result" });
		await expect.poll(() => eventual.textContent(), POLL).toMatch(/allocated: \d+/);
		const delta = Number(await metric(eventual, "oversellDelta"));
		expect(delta).toBeGreaterThan(0);
		const guardrailStep = step(page, "Step 4 · Virtual guardrail trip");
		await expect
			.poll(() => isFocused(heading(page, "Step 4 · Virtual guardrail trip")), POLL)
			.toBe(true);
		// Steps 1–3 stay under the demo's threshold: it has not tripped yet.
		expect(await guardrailStep.getByRole("status", { name: "Guardrail" }).textContent()).toMatch(
			new RegExp(`^Guardrail armed: \\$0\\.\\d{6} of \\${DEFAULT_THRESHOLD} virtual spend`),
		);
		expect(await metric(meter(page), "Guardrail")).toBe(`armed at ${DEFAULT_THRESHOLD}`);
		const afterStep3 = await metric(meter(page), "Virtual spend (list prices)");
		await expectNoSeriousA11yViolations(page, `${label}: step 3 done`);

		// 4. The guardrail trips here, in step 4; allocations go on, real spend stays zero.
		await page.getByRole("button", { name: "Keep selling until the guardrail trips" }).click();
		const tripped = guardrailStep.getByRole("alert").first();
		await expect
			.poll(() => tripped.textContent(), { ...POLL, timeout: 60_000 })
			.toMatch(
				new RegExp(
					`^Guardrail tripped: virtual spend \\$0\\.\\d{6} passed the \\${DEFAULT_THRESHOLD} threshold\\. Allocations continue; real spend stays \\$0\\.00\\.$`,
				),
			);
		const run = guardrailStep.getByRole("status", { name: "Guardrail run" });
		await expect
			.poll(() => run.textContent(), POLL)
			.toMatch(
				/^\d+ attempts sent \(.*\)\. \d+ responses reported the guardrail tripped, and every one was answered: nothing was refused for it\.$/,
			);
		await expect
			.poll(() => page.evaluate(() => document.activeElement?.id), POLL)
			.toBe("guardrail-outcome");
		expect(await metric(meter(page), "Guardrail")).toBe(`tripped at ${DEFAULT_THRESHOLD}`);
		console.info(
			`${label}: virtual spend after step 3 ${afterStep3}; step 4: ${await run.textContent()}`,
		);
		// The reveal: the meter stays in view while the audience looks at the banner.
		await tripped.scrollIntoViewIfNeeded();
		await expectInView(page, meter(page));
		await expectNoSeriousA11yViolations(page, `${label}: guardrail tripped`);

		// 5. Reset works once; the second within a minute is refused with the wait.
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		const resetResult = page.getByRole("status", { name: "Reset result" });
		await expect.poll(() => resetResult.textContent(), POLL).toMatch(/Reset once/);
		await expect.poll(() => isFocused(resetResult), POLL).toBe(true);
		await expect
			.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
			.toBe("100");
		// Step 3 no longer shows the runs of the stock the reset replaced.
		expect(await safe.textContent()).toMatch(/Not run since the reset at/);
		expect(await eventual.textContent()).toMatch(/Not run since the reset at/);
		expect(await eventual.getByRole("group", { name: "oversellDelta" }).count()).toBe(0);
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		const refused = step(page, "Step 5 · Reset & recovery").getByRole("alert");
		await expect
			.poll(() => refused.textContent(), POLL)
			.toMatch(/Reset refused: resets are limited to one a minute\. Try again in \d+ s\./);
		await expect.poll(() => isFocused(refused), POLL).toBe(true);

		// 6. The summary card: the whole session's story, resets included.
		const summary = step(page, "Step 6 · Wrap-up");
		expect(await metric(summary, "Real spend")).toBe("$0.00");
		expect(await metric(summary, "Safe path oversold")).toBe("0");
		expect(await metric(summary, "Eventual oversellDelta")).toBe(String(delta));
		expect(await metric(summary, "Guardrail")).toBe("tripped");
		expect(await summary.textContent()).toContain(
			backend === "mock" ? "in-browser simulation" : "the live Worker",
		);
		await summary.scrollIntoViewIfNeeded();
		await expectInView(page, meter(page));
		await expectNoSeriousA11yViolations(page, `${label}: wrap-up`);
	}

	async function expectInView(page: Page, l: Locator): Promise<void> {
		const box = await l.boundingBox();
		const viewport = page.viewportSize();
		expect(box).not.toBeNull();
		expect(box?.y ?? -1).toBeGreaterThanOrEqual(0);
		expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport?.height ?? 0);
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
		let reads = 0;
		await context.route("**/api/config", (route) => {
			reads += 1;
			// The first two reads fail, as the Worker answers when it is busy.
			if (reads > 2) return route.fallback();
			return route.fulfill({
				status: 503,
				headers: { "retry-after": "1" },
				json: { error: { code: "unavailable", message: "Busy." } },
			});
		});
		const page = await context.newPage();
		e2e.track(page);
		await page.goto("/demo");
		await step(page, "Step 1 · Login + guardrails on")
			.getByText(
				"Could not load the human check's settings from the server. Trying again by itself…",
			)
			.waitFor({ timeout: POLL.timeout });
		await login(page);
		expect(reads).toBe(3);
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
			/ms at the edge/,
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
		await expect.poll(() => isFocused(problem), POLL).toBe(true);
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
			.toMatch(
				/^Guardrail tripped by the presenter at \$0\.\d{6} of virtual spend \(threshold \$0\.0400\)\./,
			);
		expect(await metric(meter(page), "Guardrail")).toBe("tripped at $0.0400");
		await expect
			.poll(() => page.evaluate(() => document.activeElement?.id), POLL)
			.toBe("guardrail-outcome");
		expect(await focusedTag(page)).not.toBe("BODY");
		await expectNoSeriousA11yViolations(page, "demo: tripped by the presenter");
		// A new threshold re-arms it, on the server too.
		await input.fill("0.03");
		await set.click();
		await expect.poll(() => metric(meter(page), "Guardrail"), POLL).toBe("armed at $0.0300");
		expect(errors).toEqual([]);
	});
});

/** Turnstile's explicit-render API, counting render() and remove() calls. */
