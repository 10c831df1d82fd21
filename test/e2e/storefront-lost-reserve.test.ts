// The storefront when a Reserve's answer is lost on its way back, in Chromium: the server took the
// hold, the page never heard of it. Retried under the same Idempotency-Key (also after a reload),
// the buyer gets that hold, never a second one or purchase_limit, with the time it has left or
// the words of its end (docs/decisions/059-storefront-retries.md,
// docs/decisions/088-ended-holds-and-replays.md).

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import {
	alertText,
	createDrop,
	DESKTOP_WIDE,
	openStore,
	POLL,
	verify,
} from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** What the page sent as a reserve, and what the server answered it (whether or not the page heard). */
interface SentReserve {
	key: string | undefined;
	status: number;
	reservationId: string | undefined;
}

/**
 * Passes the page's reserves to the server, but loses the first answer on its way back: the server
 * took the hold, the page never hears of it. Page routes outlive a reload. Returns what was sent.
 */
async function loseFirstReserveAnswer(page: Page): Promise<SentReserve[]> {
	const sent: SentReserve[] = [];
	await page.route("**/api/reservations", async (route) => {
		if (route.request().method() !== "POST") return route.fallback();
		const response = await route.fetch();
		const body = (await response.json()) as { data?: { reservationId?: string } };
		sent.push({
			key: route.request().headers()["idempotency-key"],
			status: response.status(),
			reservationId: body.data?.reservationId,
		});
		if (sent.length === 1) return route.abort("internetdisconnected");
		return route.fulfill({ response });
	});
	return sent;
}

describe("storefront: a Reserve whose answer was lost", () => {
	const e2e = browserSuite();

	it("retries a Reserve whose answer was lost under the same key: the same hold, never a second", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		const sent = await loseFirstReserveAnswer(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		const lost = await alertText(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(sent).toHaveLength(2);
		expect(sent[0]?.reservationId).toEqual(expect.any(String));
		expect(sent[1]?.key).toBe(sent[0]?.key);
		expect(sent[1]?.reservationId).toBe(sent[0]?.reservationId);
		// One hold on the server, and it is the one on screen: no hidden second hold.
		const stock = await api<{ reserved: number }>(
			e2e.server,
			"GET",
			`/api/products/${sku}/availability`,
		);
		expect(stock.body.data?.reserved).toBe(1);
		// What the buyer was told after the lost answer: retrying cannot take a second hold.
		expect(lost).toMatch(/Reserving again is safe: .*never a second\./);
		expect(errors).toEqual([]);
	});

	it("counts down what a retried Reserve's hold has left, not the first answer's time", async () => {
		const sku = await createDrop(e2e.server, { holdSeconds: 60 });
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		await loseFirstReserveAnswer(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		// The buyer tries again a while later: the hold has been running all along.
		await page.waitForTimeout(6_000);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		const shown =
			(await page.getByRole("timer", { name: "Time left on your hold" }).textContent()) ?? "";
		const [min, sec] = (/(\d+):(\d\d)/.exec(shown) ?? []).slice(1).map(Number);
		const shownSeconds = (min ?? 0) * 60 + (sec ?? 0);
		// One hold on the server: the retry answered the first one.
		const holds = await api<{ reserved: number }>(
			e2e.server,
			"GET",
			`/api/products/${sku}/availability`,
		);
		expect(holds.body.data?.reserved).toBe(1);
		// The first answer said 60 s; six of them had gone before the retry was answered.
		expect(shownSeconds).toBeLessThanOrEqual(55);
		expect(shownSeconds).toBeGreaterThan(0);
		expect(errors).toEqual([]);
	});

	it("says a retried Reserve's hold has ended when it expired before the retry, with no Pay", async () => {
		const sku = await createDrop(e2e.server, { holdSeconds: 2 });
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		const sent = await loseFirstReserveAnswer(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		// The 2-s hold ends before the buyer tries again.
		await page.waitForTimeout(3_500);
		await page.getByRole("button", { name: "Reserve" }).click();
		// Whichever the page shows first: the hold (with its Pay) or the words of its end.
		const heldHeading = page.getByRole("heading", { name: "1 unit held for you" });
		const endedWords = page.getByText(/^Your hold expired before payment/);
		await heldHeading.or(endedWords).first().waitFor();
		expect(await heldHeading.count()).toBe(0);
		expect(await page.getByRole("button", { name: /^Pay/ }).count()).toBe(0);
		expect(await alertText(page)).toMatch(/^Your hold expired before payment/);
		expect(sent).toHaveLength(2);
		expect(errors).toEqual([]);
	});

	it("reuses a lost Reserve's key after a reload: the buyer gets that hold, not a second or purchase_limit", async () => {
		// One unit per buyer: a second hold would be refused as purchase_limit.
		const sku = await createDrop(e2e.server, { perUserLimit: 1 });
		const { page, errors } = await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE);
		e2e.track(page);
		await verify(page);
		// Page routes outlive the reload.
		const sent = await loseFirstReserveAnswer(page);
		await page.getByRole("button", { name: "Reserve" }).click();
		await expect.poll(() => alertText(page), POLL).toMatch(/^Could not reach the server\./);
		await page.reload();
		await page.getByRole("heading", { name: `Drop ${sku}` }).waitFor();
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor();
		expect(sent.map((s) => s.status)).toEqual([201, 201]);
		expect(sent[1]?.key).toBe(sent[0]?.key);
		// One hold on the server, the one on screen; and the key is gone once the outcome is known.
		const stock = await api<{ reserved: number }>(
			e2e.server,
			"GET",
			`/api/products/${sku}/availability`,
		);
		expect(stock.body.data?.reserved).toBe(1);
		expect(
			await page.evaluate((s) => sessionStorage.getItem(`rg.buyer.reserve.${s}`), sku),
		).toBeNull();
		expect(errors).toEqual([]);
	});
});
