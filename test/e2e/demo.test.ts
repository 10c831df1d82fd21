// The guided demo's six steps (seed 003) in Chromium, against the live Worker and
// against the in-browser mock: the same screens, the same assertions.
// The live server runs with rate limits on (reset: one a minute, as in
// production) but with the per-session and per-IP request limits raised, so the
// 200-attempt stampedes reach the stock; and with a low guardrail threshold so
// it trips during the demo. The mock has its own low threshold (mock/cost.ts).

import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";
import {
	collectPageErrors,
	DESKTOP,
	launch,
	metric,
	openContext,
	PHONE,
	screenshot,
} from "./browser.ts";

const POLL = { timeout: 30_000, interval: 200 };
const HIGH = "1000000";

describe("guided demo", () => {
	let server: TestServer;
	let browser: Browser;
	const pages: Page[] = [];

	beforeAll(async () => {
		[server, browser] = await Promise.all([
			startServer({
				env: {
					RATE_LIMITS: "on",
					RATE_LIMIT_RESET: "1",
					RATE_LIMIT_RESERVE: HIGH,
					RATE_LIMIT_RESERVE_NEW: HIGH,
					RATE_LIMIT_RESERVE_SUSPECTED: HIGH,
					RATE_LIMIT_WRITES: HIGH,
					RATE_LIMIT_READS: HIGH,
					RATE_LIMIT_SESSIONS: "1000",
					GUARDRAIL_VIRTUAL_USD: "0.0003",
				},
			}),
			launch(),
		]);
	});
	afterEach(async ({ task }) => {
		if (task.result?.state === "fail") {
			for (const [i, p] of pages.entries()) {
				await screenshot(p, `failed-${task.name.replace(/\W+/g, "-")}-${i}`).catch(() => {});
			}
		}
		for (const p of pages.splice(0)) await p.context().close();
	});
	afterAll(async () => {
		await browser?.close();
		await server?.dispose();
	});

	const step = (page: Page, title: string) => page.getByRole("region", { name: title });

	async function walkThrough(page: Page, backend: "mock" | "live"): Promise<void> {
		// 1. Login: the human check, the 20-minute session banner, the cost meter at $0.
		await page.getByRole("checkbox", { name: "I am human" }).check();
		const login = step(page, "Step 1 · Login + guardrails on");
		await expect
			.poll(() => login.textContent(), POLL)
			.toMatch(/Signed in\. Sandbox SBX-\w+ with 100 units/);
		await expect
			.poll(() => page.getByRole("status", { name: "Session" }).textContent(), POLL)
			.toMatch(/(19:5\d|20:00) left of 20 minutes/);
		expect(await metric(page.getByRole("region", { name: "Cost meter" }), "Real spend")).toBe(
			"$0.00",
		);

		// 2. A safe allocation with its latency badge.
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Latency" }).textContent(), POLL)
			.toMatch(/ms at the edge/);
		await expect
			.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
			.toBe("99");

		// 3. The stampede: safe mode caps at the stock, eventual mode oversells.
		await page.getByRole("button", { name: "Fire 200 attempts (safe mode)" }).click();
		const safe = page.getByRole("status", { name: "Safe mode result" });
		await expect.poll(() => safe.textContent(), POLL).toMatch(/allocated: 99.*sold_out: 101/);
		expect(await metric(safe, "Oversold (safe)")).toBe("0");
		await page.getByRole("button", { name: "Fire 200 attempts (eventual mode)" }).click();
		const eventual = page.getByRole("status", { name: "Eventual mode result" });
		await expect.poll(() => eventual.textContent(), POLL).toMatch(/allocated: \d+/);
		const delta = Number(await metric(eventual, "oversellDelta"));
		expect(delta).toBeGreaterThan(0);

		// 4. The guardrail trips; allocations go on, real spend stays zero.
		await expect
			.poll(
				() =>
					step(page, "Step 4 · Virtual guardrail trip").getByRole("alert").first().textContent(),
				POLL,
			)
			.toMatch(/Guardrail tripped: .*real spend stays \$0\.00/);

		// 5. Reset works once; the second within a minute is refused with the wait.
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Reset result" }).textContent(), POLL)
			.toMatch(/Reset once/);
		await expect
			.poll(() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"), POLL)
			.toBe("100");
		await page.getByRole("button", { name: "Reset the sandbox" }).click();
		await expect
			.poll(() => step(page, "Step 5 · Reset & recovery").getByRole("alert").textContent(), POLL)
			.toMatch(/Reset refused: resets are limited to one a minute\. Try again in \d+ s\./);

		// 6. The summary card.
		const summary = step(page, "Step 6 · Wrap-up");
		expect(await metric(summary, "Real spend")).toBe("$0.00");
		expect(await metric(summary, "Safe path oversold")).toBe("0");
		expect(await metric(summary, "Eventual oversellDelta")).toBe(String(delta));
		expect(await metric(summary, "Guardrail")).toBe("tripped");
		expect(await summary.textContent()).toContain(
			backend === "mock" ? "in-browser simulation" : "the live Worker",
		);
	}

	it("walks the six steps against the live server", async () => {
		const context = await openContext(browser, server.url, DESKTOP);
		const page = await context.newPage();
		pages.push(page);
		const errors = collectPageErrors(page);
		await page.goto("/demo");
		expect(await page.getByRole("radio", { name: "Live (server)" }).isChecked()).toBe(true);
		await walkThrough(page, "live");
		await screenshot(page, "demo-live");
		expect(errors).toEqual([]);
	});

	it("walks the same steps against the in-browser mock, on a phone", async () => {
		const context = await openContext(browser, server.url, PHONE);
		const page = await context.newPage();
		pages.push(page);
		const errors = collectPageErrors(page);
		await page.goto("/demo");
		await page.getByRole("radio", { name: "Mock (in browser)" }).check();
		expect(new URL(page.url()).searchParams.get("backend")).toBe("mock");
		// The mock answers in the page: no request of the demo reaches the server.
		const apiCalls: string[] = [];
		page.on("request", (r) => {
			if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls.push(r.url());
		});
		await walkThrough(page, "mock");
		expect(apiCalls).toEqual([]);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			PHONE.width,
		);
		await screenshot(page, "demo-mock-phone");
		expect(errors).toEqual([]);
	});
});
