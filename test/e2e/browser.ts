// Debian's Chromium driven by playwright-core (no browser download: `npm test`
// installs it first when missing, scripts/install-chromium.sh). Offline by construction: any request to
// another origin is refused, which is also how the Turnstile script fails to load
// locally — the pages then offer the local check backed by the siteverify emulation.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
	type Browser,
	type BrowserContext,
	chromium,
	type Locator,
	type Page,
	type Route,
} from "playwright-core";
import { childEnv } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

export async function launch(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`No Chromium at ${CHROMIUM}: run sh scripts/install-chromium.sh as root (npm test does), or set CHROMIUM_PATH.`,
		);
	}
	return chromium.launch({
		executablePath: CHROMIUM,
		// Marked like every child a test starts, so the suite's teardown finds a browser left open.
		env: childEnv(),
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
}

/** A fresh context (own sessionStorage) that may only talk to `origin`. */
export async function openContext(
	browser: Browser,
	origin: string,
	viewport = DESKTOP,
): Promise<BrowserContext> {
	const context = await browser.newContext({ viewport, baseURL: origin });
	await context.route(
		(url) => url.origin !== origin,
		(route) => route.abort("internetdisconnected"),
	);
	return context;
}

export async function screenshot(page: Page, name: string): Promise<void> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Errors the page logs to its console or throws: a test fails on them rather than ignoring them. */
export function collectPageErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on("pageerror", (e) => errors.push(String(e)));
	page.on("console", (m) => {
		// Refused third-party loads (the Turnstile script offline) and the browser's note on
		// every 4xx answer (a declined card is a 402) are expected, not page bugs.
		if (
			!/status of 4\d\d/.test(m.text()) &&
			m.type() === "error" &&
			!/ERR_INTERNET_DISCONNECTED|challenges\.cloudflare\.com/.test(m.text())
		) {
			errors.push(m.text());
		}
	});
	return errors;
}

/** The number shown by a labelled metric (components/Metric.tsx: a group named by its label). */
export async function metric(scope: Page | Locator, label: string): Promise<string> {
	const text = await scope.getByRole("group", { name: label, exact: true }).first().textContent();
	return (text ?? "").replace(label, "").trim();
}

/**
 * A live region as a reader and a screen reader meet it: its text, and whether it takes room on
 * screen. An empty status or alert stays in the accessibility tree, visually hidden (1 px,
 * clipped), so "nothing said" is `{ text: "", shown: false }`, never a region that is absent.
 */
export async function regionSays(region: Locator): Promise<{ text: string; shown: boolean }> {
	return region.evaluate((el) => {
		const r = el.getBoundingClientRect();
		return { text: (el.textContent ?? "").trim(), shown: r.width > 1 || r.height > 1 };
	});
}

/**
 * How far, in CSS pixels, the layout around a region moves when the region is taken out
 * (`display: none`, then put back): 0 for a region that takes no room and adds no gap. Measured
 * on every element of the nearest ancestor that has a box of its own.
 */
export async function roomTaken(region: Locator): Promise<number> {
	return region.evaluate((el) => {
		let box = el.parentElement;
		while (box !== null && getComputedStyle(box).display === "contents") box = box.parentElement;
		const scope = box ?? document.body;
		const others = [scope, ...Array.from(scope.querySelectorAll("*"))].filter(
			(e) => e !== el && !el.contains(e),
		);
		const measure = () =>
			others.flatMap((e) => {
				const r = e.getBoundingClientRect();
				return [r.top, r.bottom, r.left, r.right];
			});
		const before = measure();
		const shown = (el as HTMLElement).style.display;
		(el as HTMLElement).style.display = "none";
		const after = measure();
		(el as HTMLElement).style.display = shown;
		return Math.max(0, ...before.map((v, i) => Math.abs(v - (after[i] ?? v))));
	});
}

/** An empty region, as `regionSays` reads it: in the page, saying and showing nothing. */
export const SAYS_NOTHING = { text: "", shown: false } as const;

/** What the Worker answers while it is busy: 503 `unavailable`, Retry-After 1. */
export const BUSY_ANSWER = {
	status: 503,
	headers: { "retry-after": "1" },
	json: { error: { code: "unavailable", message: "Busy." } },
};

/**
 * A route handler (`context.route(url, x.handle)`) that answers the first `failures`
 * requests with `answer` and lets the rest through to the server; `seen()` counts them all.
 */
export function failFirst(
	failures: number,
	answer: Parameters<Route["fulfill"]>[0] = BUSY_ANSWER,
): { handle: (route: Route) => Promise<void>; seen: () => number } {
	let seen = 0;
	return {
		handle: (route) => {
			seen += 1;
			return seen > failures ? route.fallback() : route.fulfill(answer);
		},
		seen: () => seen,
	};
}

/**
 * Pauses the page's clock just ahead of its time. On a loaded machine that moment can pass
 * before Playwright gets there ("Cannot fast-forward to the past"): then ask again.
 */
export async function pauseSoon(page: Page): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 100);
		} catch (error) {
			if (attempt >= 5 || !/to the past/.test(String(error))) throw error;
		}
	}
}
