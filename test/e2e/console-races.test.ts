// The console's answers belong to the drop they were asked for: a read still in flight when the
// operator picks another drop is not shown under the new one, neither an older page of the audit
// trail nor the "Edit drop" form, and a save is only ever judged against the drop it goes to
// (docs/decisions/101-console-answers-belong-to-their-drop.md). Each read is held by a route until
// the other drop is on screen, then let through.

import type { Page, Request, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { createProduct } from "../support/shop.ts";
import { collectPageErrors, DESKTOP, openContext } from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

/** Held requests: the first one matching is kept until `release()`; the rest pass. */
async function hold(page: Page, url: string) {
	let caught: (r: Route) => void = () => {};
	const held = new Promise<Route>((resolve) => {
		caught = resolve;
	});
	let taken = false;
	await page.route(url, (route) => {
		if (taken) return route.continue();
		taken = true;
		caught(route);
	});
	return {
		/** The request, once the page has sent it. */
		held,
		/** Lets it through and waits until its answer reached the page and the page had a turn. */
		async release(): Promise<void> {
			const route = await held;
			const request: Request = route.request();
			const answered = page.waitForEvent("requestfinished", (r) => r === request);
			await route.continue();
			await answered;
			// Two frames and a task: what the answer's handlers render has been rendered.
			await page.evaluate(
				() =>
					new Promise<void>((done) =>
						requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))),
					),
			);
			await page.unroute(url);
		},
	};
}

describe("console: a drop picked while a read is in flight", () => {
	const e2e = browserSuite();

	async function openConsole(sku: string) {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		return { page, errors, picker: page.getByLabel("Drop", { exact: true }) };
	}

	async function readProduct(sku: string): Promise<Product> {
		const r = await api<Product>(e2e.server, "GET", `/api/products/${sku}`);
		expect(r.status).toBe(200);
		return r.body.data as Product;
	}

	it("drops an older page of the trail read for the drop picked before", async () => {
		const a = await createProduct(e2e.server, { name: "Drop A" }, "RACE-A");
		// More events than the newest page (200 rows), so that "Older events" is offered.
		for (let i = 1; i <= 201; i++) {
			const r = await api(e2e.server, "PATCH", `/api/admin/products/${a}`, {
				token: e2e.server.adminToken,
				body: { name: `A name ${i}` },
			});
			expect(r.status).toBe(200);
		}
		const b = await createProduct(e2e.server, { name: "Drop B" }, "RACE-B");

		const { page, errors, picker } = await openConsole(a);
		const rows = page.getByRole("table", { name: "Audit trail, newest first" }).locator("tbody tr");
		await expect.poll(() => rows.count(), POLL).toBe(200);
		const older = await hold(page, "**/events?*before=*");
		await page.getByRole("button", { name: "Older events" }).click();
		await older.held;
		await picker.selectOption(b);
		// B's trail: its creation alone.
		await expect
			.poll(() => rows.allTextContents(), POLL)
			.toEqual([expect.stringMatching(/product\.created.*name: Drop B/)]);

		await older.release();
		expect(await rows.allTextContents()).toEqual([
			expect.stringMatching(/product\.created.*name: Drop B/),
		]);
		expect(await page.getByRole("button", { name: "Newer events" }).count()).toBe(0);
		expect(await page.getByText("Reading…").count()).toBe(0);
		// The operator is at the picker: the dropped answer does not take the focus away.
		expect(await page.evaluate(() => document.activeElement?.id)).not.toBe("audit-rows");
		// B's trail is still followed live.
		await api(e2e.server, "PATCH", `/api/admin/products/${b}`, {
			token: e2e.server.adminToken,
			body: { name: "B renamed" },
		});
		await expect.poll(() => rows.first().textContent(), POLL).toMatch(/name: B renamed/);
		expect(await rows.count()).toBe(2);
		expect(errors).toEqual([]);
	});

	it("never fills B's edit form with A's read, and a cut of B's stock asks first", async () => {
		const a = await createProduct(e2e.server, { name: "Drop A", totalStock: 100 }, "RACE-A");
		const b = await createProduct(e2e.server, { name: "Drop B", totalStock: 1000 }, "RACE-B");

		const { page, errors, picker } = await openConsole(a);
		const cardA = page.getByRole("region", { name: `Edit ${a}` });
		const read = await hold(page, `**/api/products/${a}`);
		await cardA.getByRole("button", { name: "Edit drop" }).click();
		await read.held;
		await picker.selectOption(b);
		const card = page.getByRole("region", { name: `Edit ${b}` });
		await card.waitFor();

		await read.release();
		// A's answer opened nothing under B's name.
		expect(await card.getByLabel("Name").count()).toBe(0);
		expect(await card.getByLabel("Total stock").count()).toBe(0);
		expect(await card.getByRole("button", { name: "Edit drop" }).count()).toBe(1);

		// B's own form: B's values, and a cut from 1,000 to 150 is confirmed before it is sent.
		await card.getByRole("button", { name: "Edit drop" }).click();
		await expect.poll(() => card.getByLabel("Name").inputValue(), POLL).toBe("Drop B");
		expect(await card.getByLabel("Total stock").inputValue()).toBe("1000");
		await card.getByLabel("Total stock").fill("150");
		await card.getByRole("button", { name: "Save changes" }).click();
		const dialog = page.getByRole("dialog", { name: `Change ${b}?` });
		await dialog.waitFor();
		await dialog.getByRole("button", { name: "Go back" }).click();
		expect((await readProduct(b)).totalStock).toBe(1000);
		expect((await readProduct(a)).totalStock).toBe(100);
		expect(errors).toEqual([]);
	});
});
