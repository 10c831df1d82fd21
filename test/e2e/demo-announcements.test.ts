// What the guided demo says to a screen reader, and where focus lands at a short window, in
// Chromium (docs/demo.md, "What the page announces"): live regions announce events, each once —
// never the session's clock, the running spend or a guardrail alert repeated — step 4 names the
// threshold that will apply before the sign-in, the mock's server time is said to be simulated,
// the focused step is never under the sticky cost meter, and the Backend toggle's focused option
// shows its focus ring.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
	collectPageErrors,
	DESKTOP,
	metric,
	openContext,
	PHONE,
	regionSays,
	roomTaken,
	SAYS_NOTHING,
} from "./browser.ts";
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

	async function open(viewport = DESKTOP, clock = false, backend: "mock" | "live" = "mock") {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.addInitScript(recordLiveRegions);
		if (clock) await page.clock.install();
		await page.goto(`/demo?backend=${backend}`);
		return { page, errors };
	}

	it("announces events once: not the session's clock, not the spend, one guardrail alert", async () => {
		const { page, errors } = await open(DESKTOP, true);
		const guardrail = step(page, GUARDRAIL);
		// Before the sign-in, step 4 says the threshold that will apply, as the meter does.
		const armed = guardrail.getByRole("status", { name: "Guardrail", exact: true });
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

	it("keeps its empty status and alert regions in the accessibility tree, taking no room", async () => {
		const { page, errors } = await open();
		// Before any action every step's problem, step 4's tripped alert and its run's status,
		// the threshold's outcome and the backend switch's note are empty: found by role all the
		// same (an empty region out of the tree is created, for a screen reader, with its first
		// sentence, which may not be announced), saying nothing, and moving nothing on screen.
		const regions = [
			page.getByRole("status", { name: "Backend switch", exact: true }),
			page.getByRole("status", { name: "Threshold", exact: true }),
			page.getByRole("alert", { name: "Threshold: problem", exact: true }),
			step(page, GUARDRAIL).getByRole("status", { name: "Guardrail run", exact: true }),
		];
		const steps = await page.getByRole("region", { name: /^Step \d · / }).all();
		expect(steps).toHaveLength(6);
		for (const s of steps) {
			const alerts = await s.getByRole("alert").all();
			// Each step's problem; step 4 also its tripped alert.
			expect(alerts.length).toBeGreaterThanOrEqual(1);
			regions.push(...alerts);
		}
		expect(regions.length).toBeGreaterThanOrEqual(11);
		for (const region of regions) {
			expect(await region.count()).toBe(1);
			expect(await regionSays(region)).toEqual(SAYS_NOTHING);
			expect(await roomTaken(region)).toBeLessThan(0.5);
		}
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

	it("says once that the server's total fell behind after a restart, not again at each lower answer", async () => {
		const { page } = await open(DESKTOP, false, "live");
		await login(page);
		// The session's answers report a total (made high here), then one answer is lost (the
		// server died) and every answer after it, from a server that lost its unsaved metering,
		// reports a lower total, a little higher each time, until it catches up.
		let mode: "high" | "lose" | "low" = "high";
		let lost = 0;
		let lower = 0;
		await page.context().route("**/api/**", async (route) => {
			const reserve = new URL(route.request().url()).pathname === "/api/reservations";
			if (mode === "lose" && reserve) {
				mode = "low";
				lost += 1;
				return route.abort("connectionreset");
			}
			const response = await route.fetch();
			const body = await response.json().catch(() => null);
			if (body?.meta?.cost?.scope !== "session") return route.fulfill({ response });
			body.meta.cost.virtualUsd = mode === "high" ? 0.5 : 0.1 + 0.01 * ++lower;
			return route.fulfill({ response, json: body });
		});
		const allocate = page.getByRole("button", { name: "Allocate 1 unit (safe)" });
		await allocate.click();
		const spend = () => metric(meter(page), "Virtual spend (list prices)");
		await expect.poll(spend, POLL).toBe("$0.500000");
		await spoken(page);
		mode = "lose";
		await allocate.click();
		await expect.poll(() => lost, POLL).toBe(1);
		await expect.poll(() => allocate.isEnabled(), POLL).toBe(true);
		for (const left of ["98", "97", "96"]) {
			await allocate.click();
			await expect
				.poll(
					() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"),
					POLL,
				)
				.toBe(left);
		}
		expect(lower).toBeGreaterThanOrEqual(3);
		// Said once, whatever the figures did since.
		const notes = (await spoken(page)).filter((s) => s.label === "Virtual spend note");
		expect(notes.map((s) => s.text)).toEqual([
			"The server reports less for this session than the meter shows: a restart of the server loses the metering it had not saved yet (it saves every 2 s). The meter keeps the highest total it has shown.",
		]);
		// The figures, which move with every answer, are on screen beside it.
		await expect
			.poll(() => meter(page).textContent(), POLL)
			.toMatch(/Server's total for this session: \$0\.1\d0000; shown: \$0\.500000\./);
		expect(await spend()).toBe("$0.500000");
	});

	it("shows a focus ring on the Backend toggle's checked option, inside its fill, by keyboard", async () => {
		const { page, errors } = await open();
		const mock = page.getByRole("radio", { name: "Mock (in browser)" });
		// Tab lands on the checked option and arrows move focus and checking together: the
		// focused option is always the checked one, whose fill is the accent colour.
		await mock.focus();
		await page.keyboard.press("ArrowRight");
		await page.keyboard.press("ArrowLeft");
		expect(await mock.isChecked()).toBe(true);
		expect(await mock.evaluate((el) => el.matches(":focus-visible"))).toBe(true);
		const option = page.locator(".toggle label").filter({ has: mock });
		const focused = await option.screenshot();
		await mock.evaluate((el) => (el as HTMLElement).blur());
		const blurred = await option.screenshot();
		// The ring is drawn inside the option (its group clips what is outside): the pixels that
		// change with focus, and how far they stand out, 3 : 1 or more, from the fill they are on.
		// Decoded in a blank page of the same browser: the demo's CSP (img-src 'self') refuses
		// the data: images the comparison reads.
		const blank = await page.context().newPage();
		const ring = await blank.evaluate(
			async ([a, b]) => {
				const pixels = async (png: string) => {
					const img = new Image();
					img.src = `data:image/png;base64,${png}`;
					await img.decode();
					const canvas = new OffscreenCanvas(img.width, img.height);
					const g = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
					g.drawImage(img, 0, 0);
					return g.getImageData(0, 0, img.width, img.height);
				};
				const lum = (d: Uint8ClampedArray, i: number) => {
					const c = [d[i], d[i + 1], d[i + 2]].map((v) => {
						const x = (v ?? 0) / 255;
						return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
					});
					return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
				};
				const [on, off] = await Promise.all([pixels(a), pixels(b)]);
				let changed = 0;
				let best = 1;
				for (let i = 0; i < on.data.length; i += 4) {
					if ([0, 1, 2].every((k) => on.data[i + k] === off.data[i + k])) continue;
					changed++;
					const [hi, lo] = [lum(on.data, i), lum(off.data, i)].sort((x, y) => y - x);
					best = Math.max(best, ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05));
				}
				return { changed, best, perimeter: 2 * (on.width + on.height) };
			},
			[focused.toString("base64"), blurred.toString("base64")] as const,
		);
		await blank.close();
		// At least a one-pixel line all round the option, at 3 : 1 against what it replaced.
		expect(ring.changed, JSON.stringify(ring)).toBeGreaterThanOrEqual(ring.perimeter);
		expect(ring.best, JSON.stringify(ring)).toBeGreaterThanOrEqual(3);
		expect(errors).toEqual([]);
	});

	for (const [name, viewport] of [
		["at 200 % zoom", ZOOM_200],
		["on a phone", PHONE],
	] as const) {
		it(`keeps the focused step clear of the cost meter ${name}, with the receipt open, and off its live regions`, async () => {
			const { page, errors } = await open(viewport);
			await login(page);
			// Where focus is once each action is done: an element's id, or a button's own name.
			// Step 3's first run leaves focus on its button: its result is a live region, which
			// says it once; focus on that region too would have it read twice.
			const steps = [
				["Allocate 1 unit (safe)", "step-stampede", "Latency"],
				["Fire 200 attempts (safe mode)", "Fire 200 attempts (safe mode)", "Safe mode result"],
				["Fire 200 attempts (eventual mode)", "step-guardrail", "Eventual mode result"],
			] as const;
			// The presenter opens the breakdown once and leaves it open.
			await meter(page).locator("summary").click();
			for (const [button, focused, outcome] of steps) {
				const region = page.getByRole("status", { name: outcome, exact: true });
				const before = await region.textContent();
				await page.getByRole("button", { name: button }).press("Enter");
				await expect.poll(() => region.textContent(), POLL).not.toBe(before);
				await expect
					.poll(
						() =>
							page.evaluate(() => {
								const el = document.activeElement;
								return el?.id || (el?.tagName === "BUTTON" ? el.textContent?.trim() : el?.tagName);
							}),
						POLL,
					)
					.toBe(focused);
				// The focused element is no live region, nor inside one.
				const live = await page.evaluate(
					() =>
						document.activeElement
							?.closest(
								'[role="status"],[role="alert"],[role="log"],[aria-live]:not([aria-live="off"])',
							)
							?.outerHTML.slice(0, 80) ?? "",
				);
				expect(live, button).toBe("");
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
