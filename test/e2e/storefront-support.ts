// Shared steps of the storefront's browser tests: a drop, a buyer's page through
// the human check, and the few reads every test makes (role-based throughout).

import type { Browser, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import type { Reservation, Ticket } from "../../src/shared/types.ts";
import { api, type TestServer } from "../support/server.ts";
import { createProduct, newBuyer } from "../support/shop.ts";
import { collectPageErrors, openContext, PHONE } from "./browser.ts";

/** The desktop the storefront was reviewed at. */
export const DESKTOP_WIDE = { width: 1366, height: 900 };
export { PHONE };
export const POLL = { timeout: 15_000, interval: 100 };

/** A drop with a unique E2E- SKU (3 units, 2 per buyer, $42.00 unless `fields` say otherwise). */
export function createDrop(
	server: TestServer,
	fields: Record<string, unknown> = {},
): Promise<string> {
	return createProduct(server, fields, "E2E");
}

export interface BuyerPage {
	page: Page;
	errors: string[];
}

/** Opens the store for `sku` in a fresh context (own sessionStorage); the test closes it. */
export async function openStore(
	browser: Browser,
	server: TestServer,
	sku: string,
	viewport = PHONE,
	/** Runs before the page loads (e.g. to route its WebSocket). */
	before?: (page: Page) => Promise<void>,
): Promise<BuyerPage> {
	const context = await openContext(browser, server.url, viewport);
	const page = await context.newPage();
	const errors = collectPageErrors(page);
	await before?.(page);
	await page.goto(`/?sku=${sku}`);
	await page.getByRole("heading", { name: `Drop ${sku}` }).waitFor();
	return { page, errors };
}

/**
 * The local human check (offline, the Turnstile script cannot load), by keyboard; then the card
 * it leads to: "Reserve", or on a drop with a waiting room "Waiting room". Not Playwright's
 * check(): after its click it reads the box again, and the box is gone once the session is made;
 * when the session's answer lands first, check() takes the box for detached, waits for it to
 * come back, and times out 30 s later although the page did what it should.
 */
export async function verify(
	page: Page,
	card: "Reserve" | "Waiting room" = "Reserve",
): Promise<void> {
	const human = page.getByRole("checkbox", { name: "I am human" });
	await human.focus();
	await page.keyboard.press("Space");
	await page.getByRole("heading", { name: card }).waitFor();
}

/** The text of a message region, or "" while it is hidden (it says nothing then). */
async function shownText(page: Page, role: "alert" | "status", name: string): Promise<string> {
	const region = page.getByRole(role, { name, includeHidden: true });
	return (await region.isVisible()) ? ((await region.textContent()) ?? "") : "";
}
export const alertText = (page: Page) => shownText(page, "alert", "Purchase status: problem");
export const statusText = (page: Page) => shownText(page, "status", "Purchase status");
export const feedText = (page: Page) =>
	page.getByRole("status", { name: "Live stock updates" }).textContent();

/** True when `locator` is the focused element (never <body> after an action). */
export function isFocused(locator: Locator): Promise<boolean> {
	return locator.evaluate((el) => el === document.activeElement);
}

/** What has focus, for failure messages. */
export function focusedDescription(page: Page): Promise<string> {
	return page.evaluate(() => {
		const el = document.activeElement;
		return el === null ? "nothing" : `${el.tagName}#${el.id} "${(el.textContent ?? "").trim()}"`;
	});
}

/** Whether the element is entirely inside the viewport, without scrolling. */
export function inViewport(locator: Locator): Promise<boolean> {
	return locator.evaluate((el) => {
		const r = el.getBoundingClientRect();
		return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
	});
}

/**
 * Someone ahead in a waiting room of one unit: a buyer who joins first, is admitted at once and
 * holds the only unit. Returns that buyer's token and hold.
 */
export async function holdTheOnlyUnit(
	server: TestServer,
	sku: string,
): Promise<{ token: string; reservationId: string }> {
	const first = await newBuyer(server);
	const admitted = await api<Ticket>(server, "POST", `/api/products/${sku}/queue`, {
		token: first,
	});
	expect(admitted.body.data?.state, JSON.stringify(admitted.body)).toBe("admitted");
	const held = await api<Reservation>(server, "POST", "/api/reservations", {
		token: first,
		body: { sku, quantity: 1 },
	});
	expect(held.status, JSON.stringify(held.body)).toBe(201);
	return { token: first, reservationId: String(held.body.data?.reservationId) };
}
