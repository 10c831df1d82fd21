// The storefront for keyboard and screen-reader buyers, in Chromium (decision 116): what its
// live regions say when the sale changes under a buyer and when a waiting room's turn comes,
// where focus goes after "Join the queue", payment methods and a decline in a buyer's words,
// and a focus ring that stands out 3 : 1 from what is around it (the CSS all pages share).
// Live regions are read as a screen reader meets them: every text a role=status|alert|timer or
// aria-live element takes, recorded in the page by a MutationObserver.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Reservation } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { openContext } from "./browser.ts";
import {
	alertText,
	createDrop,
	focusedDescription,
	holdTheOnlyUnit,
	isFocused,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The shortest admission a room takes (src/domain/waiting-room-records.ts). */
const SHORT_ADMIT_SECONDS = 10;
/** The page polls its ticket with backoff and jitter (at most ~19 s apart while waiting). */
const QUEUE_POLL = { ...POLL, timeout: 40_000 };
/** A turn's end, as the page's clock sees it, with room for a loaded machine. */
const TURN_OVER = { ...POLL, timeout: (SHORT_ADMIT_SECONDS + 15) * 1000 };

interface Spoken {
	role: string;
	name: string;
	text: string;
}

/**
 * Records, from now on, each new text a live region already in the page takes (role status,
 * alert, timer, log or aria-live), with the region's role and name. A timer is recorded with its
 * role: it is not announced (its implicit aria-live is "off").
 */
async function recordLiveRegions(page: Page): Promise<() => Promise<Spoken[]>> {
	await page.evaluate(() => {
		const w = window as unknown as { __spoken: Spoken[]; __last: Map<Element, string> };
		w.__spoken = [];
		w.__last = new Map();
		const take = () => {
			const regions = document.querySelectorAll(
				"[role=status],[role=alert],[role=timer],[role=log],[aria-live]",
			);
			for (const el of Array.from(regions)) {
				const text = (el.textContent ?? "").replace(/\s+/g, " ").trim();
				const before = w.__last.get(el);
				if (before === text) continue;
				w.__last.set(el, text);
				// A region mounted with its text is not reliably announced (Layout.tsx): only a change
				// of a region already in the page counts.
				if (text === "" || before === undefined) continue;
				const live = el.getAttribute("aria-live");
				const role = el.getAttribute("role") ?? `aria-live=${live}`;
				w.__spoken.push({
					role: live === "off" ? "off" : role,
					name: el.getAttribute("aria-label") ?? "",
					text,
				});
			}
		};
		take();
		w.__spoken = [];
		new MutationObserver(take).observe(document.body, {
			subtree: true,
			childList: true,
			characterData: true,
			attributes: true,
		});
	});
	return () => page.evaluate(() => (window as unknown as { __spoken: Spoken[] }).__spoken);
}

/** What a screen reader says of `spoken`: every region but timers and aria-live=off. */
const announced = (spoken: Spoken[]) =>
	spoken.filter((s) => s.role !== "timer" && s.role !== "off");

/** WCAG 2.2 relative luminance of an `rgb(...)`/`rgba(...)` colour. */
function luminance(color: string): number {
	const [r, g, b] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
		const c = Number(v) / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	});
	return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

/** The focused element's outline colour and the background it is drawn on (the nearest opaque one). */
function focusRing(page: Page): Promise<{ outline: string; style: string; behind: string }> {
	return page.evaluate(() => {
		const el = document.activeElement as HTMLElement;
		const css = getComputedStyle(el);
		let behind = "rgb(255, 255, 255)";
		for (let p = el.parentElement; p !== null; p = p.parentElement) {
			const bg = getComputedStyle(p).backgroundColor;
			if (bg !== "transparent" && !bg.startsWith("rgba(0, 0, 0, 0)")) {
				behind = bg;
				break;
			}
		}
		return { outline: css.outlineColor, style: css.outlineStyle, behind };
	});
}

describe("storefront for keyboard and screen-reader buyers", () => {
	const e2e = browserSuite();

	it("announces a drop selling out under a buyer once, with the reason, never 'You are verified.' alone", async () => {
		const sku = await createDrop(e2e.server, { totalStock: 2 });
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		await page.getByText("You are verified. You can reserve now.").waitFor();
		const spoken = await recordLiveRegions(page);

		const other = await newBuyer(e2e.server);
		const taken = await api<Reservation>(e2e.server, "POST", "/api/reservations", {
			token: other,
			body: { sku, quantity: 2 },
		});
		expect(taken.status, JSON.stringify(taken.body)).toBe(201);
		await expect
			.poll(
				async () => announced(await spoken()).some((s) => /^Sold out right now\./.test(s.text)),
				POLL,
			)
			.toBe(true);
		const said = announced(await spoken());
		expect(said.map((s) => s.text)).not.toContain("You are verified.");
		expect(said.filter((s) => /Sold out/.test(s.text))).toHaveLength(1);

		// The units come back (the other buyer releases the hold): the opening is said, once.
		const released = await api(
			e2e.server,
			"DELETE",
			`/api/reservations/${taken.body.data?.reservationId}`,
			{ token: other },
		);
		expect(released.status, JSON.stringify(released.body)).toBe(200);
		await expect
			.poll(async () => announced(await spoken()).at(-1)?.text, POLL)
			.toBe("You are verified. You can reserve now.");
		expect(errors).toEqual([]);
	});

	it("after Join the queue by keyboard, focus goes to the Reserve heading when the turn comes; the turn is said once, not each second", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 3,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: SHORT_ADMIT_SECONDS },
		});
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page, "Waiting room");
		const spoken = await recordLiveRegions(page);
		const join = page.getByRole("button", { name: "Join the queue" });
		await join.focus();
		await page.keyboard.press("Enter");
		const reserveHeading = page.getByRole("heading", { name: "Reserve" });
		await reserveHeading.waitFor();
		await expect
			.poll(async () => (await isFocused(reserveHeading)) || focusedDescription(page), POLL)
			.toBe(true);

		// The turn runs out unused: its sentence said once at the start and once at the end.
		await page.getByText(/^Your turn passed/).waitFor(TURN_OVER);
		const turn = announced(await spoken()).filter((s) =>
			/your turn|reserve within|left to reserve/i.test(s.text),
		);
		expect(turn.map((s) => s.text)).toEqual([
			expect.stringMatching(/^It is your turn: you have \d+ seconds to reserve\.$/),
			"Your turn is over: the time to reserve ran out.",
		]);
		expect(errors).toEqual([]);
	});

	it("announces a drop selling out under a buyer waiting in line", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: 120 },
		});
		const ahead = await holdTheOnlyUnit(e2e.server, sku);
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page.getByText("Your place in line: 1").waitFor();
		const spoken = await recordLiveRegions(page);

		// The buyer ahead pays for the only unit: nothing can come back.
		const paid = await api(e2e.server, "POST", "/api/checkout", {
			token: ahead.token,
			headers: { "idempotency-key": crypto.randomUUID() },
			body: { reservationId: ahead.reservationId, paymentMethod: "pm_card_visa" },
		});
		expect(paid.status, JSON.stringify(paid.body)).toBe(200);
		await expect
			.poll(
				async () =>
					announced(await spoken()).filter((s) => /^Sold out: every unit is sold/.test(s.text))
						.length,
				QUEUE_POLL,
			)
			.toBe(1);
		expect(errors).toEqual([]);
	});

	it("words the payment methods and a decline without developer codes", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		const radios = page.getByRole("radio");
		await radios.first().waitFor();
		const names = await radios.evaluateAll((els) =>
			els.map((el) => (el.closest("label")?.textContent ?? "").trim()),
		);
		expect(names).toHaveLength(4); // the simulated provider takes all four
		for (const name of names) expect(name).not.toMatch(/pm_|[a-z]+_[a-z_]+/);

		await page.getByRole("radio", { name: /Declined card/ }).check();
		await page.getByRole("button", { name: /^Pay/ }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Card declined\./);
		expect(await alertText(page)).not.toMatch(/[a-z]+_[a-z_]+/);
		expect(errors).toEqual([]);
	});

	it("keeps the empty purchase status regions in the accessibility tree without a gap of their own, so their first text is announced", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await page.getByRole("checkbox", { name: "I am human" }).waitFor();
		// Before the human check the purchase status says nothing, and is in the tree all the same.
		const status = page.getByRole("status", { name: "Purchase status", exact: true });
		const problem = page.getByRole("alert", { name: "Purchase status: problem", exact: true });
		expect(await status.count()).toBe(1);
		expect(await problem.count()).toBe(1);
		expect(await status.textContent()).toBe("");
		expect(await problem.textContent()).toBe("");
		// ...and takes no room: the product card and the check are one grid gap apart.
		const spacing = await page.evaluate(() => {
			const outcome = document.getElementById("outcome");
			const before = outcome?.previousElementSibling?.getBoundingClientRect();
			const after = outcome?.nextElementSibling?.getBoundingClientRect();
			const main = document.querySelector("main");
			return {
				between: (after?.top ?? 0) - (before?.bottom ?? 0),
				gap: main === null ? -1 : Number.parseFloat(getComputedStyle(main).rowGap),
			};
		});
		expect(spacing.between, JSON.stringify(spacing)).toBeCloseTo(spacing.gap, 0);
		const spoken = await recordLiveRegions(page);
		await verify(page);
		await expect
			.poll(async () => announced(await spoken()).map((s) => s.text), POLL)
			.toContain("You are verified. You can reserve now.");
		expect(await status.isVisible()).toBe(true);
		expect(errors).toEqual([]);
	});

	it("draws the focus ring at 3 : 1 or more against what is behind it, on the store and the console", async () => {
		const sku = await createDrop(e2e.server);
		const { page } = e2e.track(await openStore(e2e.browser, e2e.server, sku));
		await verify(page);
		await page.getByRole("heading", { name: "Reserve" }).waitFor();
		// Keyboard focus (focus-visible) on the Quantity field, then Reserve, inside their card.
		await page.keyboard.press("Tab");
		await page.keyboard.press("Tab");
		expect(await focusedDescription(page)).toMatch(/^BUTTON/);
		const store = await focusRing(page);
		expect(store.style).toBe("solid");
		expect(contrast(store.outline, store.behind), JSON.stringify(store)).toBeGreaterThanOrEqual(3);

		const consolePage = e2e.track(await (await openContext(e2e.browser, e2e.server.url)).newPage());
		await consolePage.goto("/console");
		await consolePage.getByLabel("Operator token").waitFor();
		await consolePage.getByLabel("Operator token").focus();
		await consolePage.keyboard.press("Tab"); // Sign in, by keyboard
		const operator = await focusRing(consolePage);
		expect(operator.style).toBe("solid");
		expect(
			contrast(operator.outline, operator.behind),
			JSON.stringify(operator),
		).toBeGreaterThanOrEqual(3);
	});
});
