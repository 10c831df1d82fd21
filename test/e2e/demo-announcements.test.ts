// What the guided demo says to a screen reader, and where focus lands at a short window, in
// Chromium (docs/demo.md, "What the page announces"): live regions announce events, each once —
// never the session's clock, the running spend or a guardrail alert repeated — step 4 names the
// threshold that will apply before the sign-in, the mock's server time is said to be simulated,
// and the focused step is never under the sticky cost meter.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { collectPageErrors, DESKTOP, openContext, PHONE } from "./browser.ts";
import { DEFAULT_THRESHOLD, DEMO_SERVER_ENV, login, meter, POLL, step } from "./demo-support.ts";
import { browserSuite } from "./suite.ts";

const GUARDRAIL = "Step 4 · Virtual guardrail trip";
/** 200 % zoom of a 1366×900 window: the CSS viewport the page lays out in. */
const ZOOM_200 = { width: 683, height: 450 };

interface Spoken {
	label: string;
	role: string;
	text: string;
}

/**
 * Records every new text a live region takes (role status, alert or log, or aria-live other than
 * off; a `role="timer"` is not live), as a screen reader would queue it: one entry per change.
 */
function recordLiveRegions(): void {
	const w = window as unknown as { __spoken: Spoken[] };
	w.__spoken = [];
	const last = new WeakMap<Element, string>();
	const scan = () => {
		for (const el of Array.from(
			document.querySelectorAll(
				'[role="status"],[role="alert"],[role="log"],[aria-live="polite"],[aria-live="assertive"]',
			),
		)) {
			const text = (el.textContent ?? "").replace(/\s+/g, " ").trim();
			if (last.get(el) === text) continue;
			last.set(el, text);
			if (text !== "")
				w.__spoken.push({
					label: el.getAttribute("aria-label") ?? "",
					role: el.getAttribute("role") ?? "",
					text,
				});
		}
	};
	new MutationObserver(scan).observe(document, {
		subtree: true,
		childList: true,
		characterData: true,
	});
}

const spoken = (page: Page) =>
	page.evaluate(() => (window as unknown as { __spoken: Spoken[] }).__spoken.splice(0));

describe("guided demo: announcements and focus", () => {
	const e2e = browserSuite({ server: { env: DEMO_SERVER_ENV } });

	async function open(viewport = DESKTOP, clock = false) {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.addInitScript(recordLiveRegions);
		if (clock) await page.clock.install();
		await page.goto("/demo?backend=mock");
		return { page, errors };
	}

	it("announces events once: not the session's clock, not the spend, one guardrail alert", async () => {
		const { page, errors } = await open(DESKTOP, true);
		const guardrail = step(page, GUARDRAIL);
		// Before the sign-in, step 4 says the threshold that will apply, as the meter does.
		const armed = guardrail.getByRole("status", { name: "Guardrail" });
		expect(await armed.textContent()).toBe(
			`The guardrail will be armed at ${DEFAULT_THRESHOLD}, this demo's threshold (set above), once step 1 is done.`,
		);
		expect(await guardrail.textContent()).not.toMatch(/\$0\.0000\b|GUARDRAIL_VIRTUAL_USD/);
		await login(page);
		await expect
			.poll(() => armed.textContent(), POLL)
			.toBe(`Guardrail armed at ${DEFAULT_THRESHOLD}: this demo's own threshold (set above).`);
		// What the sign-in said: never the server's default threshold on the way.
		const atSignIn = await spoken(page);
		expect(atSignIn.map((s) => s.text).join("\n")).not.toMatch(/\$0\.0500|GUARDRAIL_VIRTUAL_USD/);

		// Ten seconds idle: the session's clock ticks on screen, and nothing is announced.
		await page.clock.runFor(10_000);
		expect(
			await page.getByRole("group", { name: "Session" }).getByRole("timer").textContent(),
		).toMatch(/^Session active · 19:[45]\d left of 20 minutes$/);
		expect(await spoken(page)).toEqual([]);

		// A run to the trip: the alert is said once, the run's outcome once, the spend never.
		await page.getByRole("button", { name: "Keep selling until the guardrail trips" }).click();
		const run = guardrail.getByRole("status", { name: "Guardrail run" });
		await expect.poll(() => run.textContent(), POLL).toMatch(/responses reported the guardrail/);
		// More answers after the trip move the spend again (a sold-out stampede): no new alert.
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Safe mode result" }).textContent(), POLL)
			.toMatch(/sold_out: \d+/);
		await page.clock.runFor(3_000);
		const said = await spoken(page);
		const alerts = said.filter((s) => s.role === "alert" && s.text.startsWith("Guardrail"));
		expect(alerts.map((s) => s.text)).toEqual([
			`Guardrail tripped: virtual spend passed the ${DEFAULT_THRESHOLD} threshold. Nothing is refused for it: every attempt is still answered; real spend stays $0.00.`,
		]);
		expect(said.filter((s) => s.label === "Guardrail run")).toHaveLength(1);
		expect(said.filter((s) => /\$0\.\d{6}/.test(s.text))).toEqual([]);
		// The spend is still on screen, beside the alert.
		expect(await guardrail.textContent()).toMatch(
			new RegExp(`Virtual spend: \\$0\\.\\d{6} of \\${DEFAULT_THRESHOLD} \\(100\\.0 %\\)\\.`),
		);

		// The session's end is near: said at five minutes and at one, then its end, each once.
		await page.clock.fastForward("15:00");
		await page.clock.runFor(2_000);
		await page.clock.fastForward("04:00");
		await page.clock.runFor(2_000);
		await page.clock.fastForward("01:10");
		await page.clock.runFor(2_000);
		const notices = (await spoken(page)).filter((s) => s.label === "Session notice");
		expect(notices.map((s) => s.text)).toEqual([
			"Five minutes of the demo session left.",
			"One minute of the demo session left.",
			expect.stringMatching(/^Session ended at .+: verify again in step 1 to go on\.$/),
		]);
		expect(errors).toEqual([]);
	});

	it("says the mock's server time is simulated, not measured at an edge", async () => {
		const { page, errors } = await open();
		await login(page);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		const latency = page.getByRole("status", { name: "Latency" });
		await expect
			.poll(() => latency.textContent(), POLL)
			.toMatch(/^\d+(\.\d)? ms simulated server time · \d+(\.\d)? ms in this page$/);
		expect(await latency.textContent()).not.toMatch(/edge/);
		expect(errors).toEqual([]);
	});

	it("announces step 2's latency and step 3's results as changes of regions already in the page", async () => {
		const { page, errors } = await open();
		await login(page);
		// From now on, only a new text of a region that was in the page counts: a region mounted
		// with its text may not be announced.
		await page.evaluate(() => {
			const w = window as unknown as { __changed: Spoken[] };
			w.__changed = [];
			const last = new Map<Element, string>();
			const scan = () => {
				for (const el of Array.from(document.querySelectorAll('[role="status"],[role="alert"]'))) {
					const text = (el.textContent ?? "").replace(/\s+/g, " ").trim();
					const before = last.get(el);
					last.set(el, text);
					if (before === undefined || before === text || text === "") continue;
					w.__changed.push({ label: el.getAttribute("aria-label") ?? "", role: "", text });
				}
			};
			scan();
			new MutationObserver(scan).observe(document, {
				subtree: true,
				childList: true,
				characterData: true,
			});
		});
		const changed = () =>
			page.evaluate(() =>
				(window as unknown as { __changed: Spoken[] }).__changed.map((s) => s.label),
			);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect.poll(changed, POLL).toContain("Latency");
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		await expect.poll(changed, POLL).toContain("Safe mode result");
		expect(errors).toEqual([]);
	});

	for (const [name, viewport] of [
		["at 200 % zoom", ZOOM_200],
		["on a phone", PHONE],
	] as const) {
		it(`keeps the focused step clear of the cost meter ${name}, with the receipt open`, async () => {
			const { page, errors } = await open(viewport);
			await login(page);
			const steps = [
				["Allocate 1 unit (safe)", "step-stampede"],
				["Fire 200 attempts (safe mode)", "result-safe"],
				["Fire 200 attempts (eventual mode)", "step-guardrail"],
			] as const;
			// The presenter opens the breakdown once and leaves it open.
			await meter(page).locator("summary").click();
			for (const [button, focusId] of steps) {
				await page.getByRole("button", { name: button }).press("Enter");
				await expect
					.poll(() => page.evaluate(() => document.activeElement?.id), POLL)
					.toBe(focusId);
				const covered = await page.evaluate(() => {
					const focused = document.activeElement?.getBoundingClientRect();
					const m = document.querySelector(".meter")?.getBoundingClientRect();
					if (!focused || !m) return "missing";
					// The meter covers the focused element when they overlap on screen.
					return m.bottom > focused.top && m.top < focused.bottom
						? `meter ${Math.round(m.top)}–${Math.round(m.bottom)}, focus ${Math.round(focused.top)}–${Math.round(focused.bottom)}`
						: "";
				});
				expect(covered, `${button} at ${viewport.width}×${viewport.height}`).toBe("");
			}
			expect(errors).toEqual([]);
		});
	}
});
