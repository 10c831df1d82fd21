// Locators and steps the guided demo's browser tests share (demo.test.ts): the step
// regions, the cost meter, focus checks, the sign-in of step 1, and the walk through
// all six steps that the live and the mock runs share.

import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { DEMO_GUARDRAIL_DEFAULT_USD } from "../../src/shared/demo-guardrail.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { metric } from "./browser.ts";

export const POLL = { timeout: 30_000, interval: 200 };

const HIGH = "1000000";
/**
 * The demo's test server: rate limits on as in production, with every limit but the reset's
 * (one a minute, which step 5 shows) too high to meet in a test.
 */
export const DEMO_SERVER_ENV: Record<string, string> = {
	RATE_LIMITS: "on",
	RATE_LIMIT_RESET: "1",
	RATE_LIMIT_RESERVE: HIGH,
	RATE_LIMIT_RESERVE_NEW: HIGH,
	RATE_LIMIT_RESERVE_SUSPECTED: HIGH,
	RATE_LIMIT_WRITES: HIGH,
	RATE_LIMIT_READS: HIGH,
	RATE_LIMIT_SESSIONS: "1000",
	// Every test's browser is 127.0.0.1: one address for all the file's demos.
	RATE_LIMIT_SANDBOX: HIGH,
	RATE_LIMIT_SANDBOX_IP: HIGH,
};
export const DEFAULT_THRESHOLD = `$${DEMO_GUARDRAIL_DEFAULT_USD.toFixed(4)}`;

/** True when the element has keyboard focus (and so focus did not fall to <body>). */
export const isFocused = (l: Locator) => l.evaluate((el) => el === document.activeElement);
export const focusedTag = (page: Page) =>
	page.evaluate(() => document.activeElement?.tagName ?? "");

export const step = (page: Page, title: string) => page.getByRole("region", { name: title });
export const heading = (page: Page, title: string) => page.getByRole("heading", { name: title });
export const meter = (page: Page) => page.getByRole("region", { name: "Cost meter" });

export async function login(page: Page): Promise<void> {
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

export async function expectInView(page: Page, l: Locator): Promise<void> {
	const box = await l.boundingBox();
	const viewport = page.viewportSize();
	expect(box).not.toBeNull();
	expect(box?.y ?? -1).toBeGreaterThanOrEqual(0);
	expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport?.height ?? 0);
}

export async function walkThrough(
	page: Page,
	backend: "mock" | "live",
	label: string,
): Promise<void> {
	// Before the run: the demo's own threshold is on the page and in the meter.
	expect(
		await page.getByLabel("Guardrail threshold for this demo (virtual USD)").inputValue(),
	).toBe(String(DEMO_GUARDRAIL_DEFAULT_USD));
	expect(await metric(meter(page), "Guardrail")).toBe(`armed at ${DEFAULT_THRESHOLD}`);
	await expectNoSeriousA11yViolations(page, `${label}: before the run`);

	// 1. Login: the human check, the 20-minute session banner, the cost meter at $0.
	await login(page);
	await expect
		.poll(() => page.getByRole("group", { name: "Session" }).textContent(), POLL)
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
		// The mock has no edge: its server time is simulated, and said so.
		.toMatch(
			backend === "mock" ? /ms simulated server time · .* ms in this page$/ : /ms at the edge/,
		);
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
	// Focus stays on the button: the result is a live region, which says it once (decision 123).
	expect(await isFocused(page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }))).toBe(
		true,
	);
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
	expect(
		await guardrailStep.getByRole("status", { name: "Guardrail", exact: true }).textContent(),
	).toBe(`Guardrail armed at ${DEFAULT_THRESHOLD}: this demo's own threshold (set above).`);
	expect(await guardrailStep.textContent()).toMatch(
		new RegExp(`Virtual spend: \\$0\\.\\d{6} of \\${DEFAULT_THRESHOLD} \\(\\d+\\.\\d %\\)\\.`),
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
				`^Guardrail tripped: virtual spend passed the \\${DEFAULT_THRESHOLD} threshold\\. Nothing is refused for it: every attempt is still answered; real spend stays \\$0\\.00\\.$`,
			),
		);
	const run = guardrailStep.getByRole("status", { name: "Guardrail run" });
	await expect
		.poll(() => run.textContent(), POLL)
		.toMatch(
			/^\d+ attempts sent \(.*\)\. \d+ responses reported the guardrail tripped, and every one was answered: nothing was refused for it\.$/,
		);
	await expect.poll(() => page.evaluate(() => document.activeElement?.id), POLL).toBe("step-reset");
	expect(await metric(meter(page), "Guardrail")).toBe(`tripped at ${DEFAULT_THRESHOLD}`);
	console.info(
		`${label}: virtual spend after step 3 ${afterStep3}; step 4: ${await run.textContent()}`,
	);
	// The reveal: the meter stays in view while the audience looks at the banner.
	await tripped.scrollIntoViewIfNeeded();
	await expectInView(page, meter(page));
	await expectNoSeriousA11yViolations(page, `${label}: guardrail tripped`);

	// 5. Reset works once; the second within a minute is refused with the wait.
	const resetButton = page.getByRole("button", { name: "Reset the sandbox" });
	await resetButton.click();
	const resetResult = page.getByRole("status", { name: "Reset result" });
	await expect
		.poll(() => resetResult.textContent(), POLL)
		.toMatch(/^Reset at .+: every unpaid hold was released, leaving 100 units available\./);
	// The result and the refusal are live regions: focus stays on Reset (decision 140).
	await expect.poll(() => isFocused(resetButton), POLL).toBe(true);
	await expect
		.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
		.toBe("100");
	// Step 3 no longer shows the runs of the stock the reset replaced.
	expect(await safe.textContent()).toMatch(/Not run since the reset at/);
	expect(await eventual.textContent()).toMatch(/Not run since the reset at/);
	expect(await eventual.getByRole("group", { name: "oversellDelta" }).count()).toBe(0);
	await resetButton.click();
	const refused = step(page, "Step 5 · Reset & recovery").getByRole("alert");
	await expect
		.poll(() => refused.textContent(), POLL)
		.toMatch(/Reset refused: resets are limited to one a minute\. The next one is allowed at .+\./);
	await expect.poll(() => isFocused(resetButton), POLL).toBe(true);
	expect(await step(page, "Step 5 · Reset & recovery").textContent()).toMatch(
		/Next reset allowed in \d+ s\./,
	);

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
