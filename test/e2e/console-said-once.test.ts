// The console says each outcome once, in Chromium (docs/ui.md, "Said once";
// docs/decisions/140-one-announcement-per-outcome.md): the console's notice and the trail's
// paging note are live regions already in the page, focus staying off them; the sign-in's and
// the edit form's refusals are focused, and so are no live regions.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { createProduct } from "../support/shop.ts";
import { collectPageErrors, DESKTOP, openContext } from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { arm, focusedName, recordSaidTwice, saidTwice, spoken } from "./said-once.ts";
import { browserSuite } from "./suite.ts";

const NOTHING_TWICE = { created: [], focused: [] };
/** Events enough for the trail's newest page (200 rows) to offer "Older events". */
const PATCHES = 200;

describe("console: each outcome said once", () => {
	const e2e = browserSuite();

	async function open(sku: string): Promise<{ page: Page; errors: string[] }> {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.addInitScript(recordSaidTwice);
		await page.goto(`/console?sku=${sku}`);
		return { page, errors };
	}

	async function signedIn(sku: string) {
		const opened = await open(sku);
		await signIn(opened.page, e2e.server.adminToken);
		await expect
			.poll(() => opened.page.getByRole("heading", { name: `Edit ${sku}` }).count(), POLL)
			.toBe(1);
		await arm(opened.page);
		return opened;
	}

	it("says a refused token once: focused where the sign-in form is, not as a region created with it", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3 }, "SAID");
		const { page, errors } = await open(sku);
		await arm(page);
		await signIn(page, "not-the-token");
		const refusal = page.getByText("That operator token was not accepted.");
		await refusal.waitFor({ timeout: POLL.timeout });
		await expect.poll(() => focusedName(page), POLL).toBe("signin-error");
		const said = await saidTwice(page);
		expect(said.created.filter((c) => /not accepted/.test(c.text))).toEqual([]);
		expect(said.focused).toEqual([]);
		expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
	});

	it("says the edit form's refusal once: focused, and no live region", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3 }, "SAID");
		const { page, errors } = await signedIn(sku);

		// Nothing changed: the form's refusal is focused, and is no live region.
		const card = page.getByRole("region", { name: `Edit ${sku}` });
		await card.getByRole("button", { name: "Edit drop" }).click();
		await expect.poll(() => focusedName(page), POLL).toBe("edit-name");
		await card.getByRole("button", { name: "Save changes" }).click();
		await expect.poll(() => focusedName(page), POLL).toBe("edit-problem");
		expect(await page.locator("#edit-problem").textContent()).toMatch(/^Nothing changed/);
		expect(await saidTwice(page), "nothing changed").toEqual(NOTHING_TWICE);
		expect(errors).toEqual([]);
	});

	it("says a reset's outcome once, in the console's status already in the page, focus back on Reset", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3 }, "SAID");
		const { page, errors } = await signedIn(sku);
		// A reset: the console's status, already in the page, says it; focus is back on Reset.
		await page.getByRole("button", { name: "Reset drop" }).click();
		const dialog = page.getByRole("dialog", { name: `Reset ${sku}?` });
		await dialog.getByLabel(`Type ${sku} to confirm`).fill(sku);
		await dialog.getByRole("button", { name: `Reset ${sku}` }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Console status" }).textContent(), POLL)
			.toMatch(new RegExp(`^${sku} was reset: 3 of 3 units available`));
		await expect.poll(() => focusedName(page), POLL).toBe("reset-drop");
		await page.waitForTimeout(100);
		expect(await saidTwice(page), "reset").toEqual(NOTHING_TWICE);
		expect(errors).toEqual([]);
	});

	it("says nothing about live updates when another drop is picked or created: nothing was lost", async () => {
		const first = await createProduct(e2e.server, { totalStock: 3 }, "SAID");
		const second = await createProduct(e2e.server, { totalStock: 4 }, "SAID");
		const { page, errors } = await signedIn(first);
		const badge = page.getByText(/^(Live|Connecting…|Reconnecting in \d+ s)$/);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");
		const liveSaid = async () =>
			(await spoken(page)).filter((s) => s.label === "Live updates").map((s) => s.text);
		await liveSaid();

		// Another drop picked: its socket connects and opens, and the status stays silent.
		await page.getByLabel("Drop", { exact: true }).selectOption(second);
		await expect
			.poll(() => page.getByRole("heading", { name: `Edit ${second}` }).count(), POLL)
			.toBe(1);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");
		await page.waitForTimeout(300);
		expect(await liveSaid(), "picked").toEqual([]);

		// A drop created from the form is picked too: silent again.
		const made = `SAID-NEW-${crypto.randomUUID().slice(0, 8)}`;
		await page.getByLabel("SKU").fill(made);
		await page.getByLabel("Name").fill("Made here");
		await page.getByLabel("Total stock").fill("2");
		await page.getByRole("button", { name: "Create drop" }).click();
		await expect.poll(() => page.getByLabel("Drop", { exact: true }).inputValue(), POLL).toBe(made);
		await expect.poll(() => badge.textContent(), POLL).toBe("Live");
		await page.waitForTimeout(300);
		expect(await liveSaid(), "created").toEqual([]);
		expect(await page.getByRole("status", { name: "Live updates" }).textContent()).toBe("");
		expect(errors).toEqual([]);
	});

	it("says a failed read of an older page of the trail in a region already in the page", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3 }, "SAID");
		for (let i = 0; i < PATCHES; i += 20)
			await Promise.all(
				Array.from({ length: 20 }, (_, j) =>
					api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
						token: e2e.server.adminToken,
						body: { name: `Said once ${i + j}` },
					}),
				),
			);
		const { page, errors } = await signedIn(sku);
		const older = page.getByRole("button", { name: "Older events" });
		await older.waitFor({ timeout: POLL.timeout });
		await arm(page);
		await page.context().route(
			(url) => url.pathname.endsWith("/events") && url.searchParams.has("before"),
			(route) => route.abort("connectionreset"),
		);
		await older.click();
		await expect
			.poll(() => page.getByRole("status", { name: "Audit trail paging" }).textContent(), POLL)
			.toMatch(/^Could not read that page of the trail\./);
		await page.waitForTimeout(100);
		expect(await saidTwice(page)).toEqual(NOTHING_TWICE);
		expect(errors.filter((e) => !/ERR_CONNECTION_RESET|Failed to fetch/.test(e))).toEqual([]);
	});
});
