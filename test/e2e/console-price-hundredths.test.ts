// A price in a currency shown without decimals but counted in hundredths (HUF: docs/api.md
// "Money", decision 191) in the console's forms: "Edit drop" shows a stored price with its
// hundredths and never sends it back unless typed, and both forms take the hundredths the API
// takes and refuse more under the Price field. The other currencies: console-edit.test.ts and
// console-create.test.ts.

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createProduct } from "../support/shop.ts";
import { collectPageErrors, DESKTOP, openContext } from "./browser.ts";
import {
	description,
	expectRefused,
	isFocused,
	POLL,
	readProduct,
	signIn,
} from "./console-support.ts";
import { browserSuite } from "./suite.ts";

describe("operator console: a HUF price in hundredths", () => {
	const e2e = browserSuite();

	/** The console on `sku`, signed in, with the bodies of the requests `method` sends to `path`. */
	async function openConsole(
		sku: string,
		method: string,
		path: string,
	): Promise<{ page: Page; errors: string[]; sent: unknown[] }> {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		const sent: unknown[] = [];
		page.on("request", (request) => {
			if (request.method() === method && new URL(request.url()).pathname === path)
				sent.push(JSON.parse(request.postData() ?? "null"));
		});
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		return { page, errors, sent };
	}

	it("Edit drop shows a stored 1,234.56 HUF exactly, keeps it on a save that did not touch it, and takes hundredths, not more", async () => {
		const sku = await createProduct(e2e.server, { priceCents: 123_456, currency: "HUF" }, "HUF");
		const { page, errors, sent } = await openConsole(sku, "PATCH", `/api/admin/products/${sku}`);
		const card = page.getByRole("region", { name: `Edit ${sku}` });
		await card.getByRole("button", { name: "Edit drop" }).click();
		await expect.poll(() => isFocused(card.getByLabel("Name")), POLL).toBe(true);
		const price = card.getByLabel("Price");
		const save = card.getByRole("button", { name: "Save changes" });
		const status = page.getByRole("status", { name: "Console status" });

		// A save that leaves the price alone sends only what changed; the price stays as stored.
		await card.getByLabel("Name").fill("Renamed, price untouched");
		await save.click();
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: name changed.`);
		expect(sent).toEqual([{ name: "Renamed, price untouched" }]);
		expect((await readProduct(e2e.server, sku)).priceCents).toBe(123_456);

		// Shown as stored, not rounded to 1235.
		expect(await price.inputValue()).toBe("1234.56");

		// A thousandth is more than the API takes: refused under the field, nothing sent.
		await price.fill("1234.567");
		await save.click();
		await expectRefused(
			price,
			"A price in HUF takes at most 2 decimals: 1234.567 has more, and the console does not round it.",
		);
		expect(sent).toHaveLength(1);

		// A price in hundredths is sent as typed, and shown so after the save.
		await price.fill("1299.99");
		await save.click();
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: price changed.`);
		expect(sent.slice(1)).toEqual([{ priceCents: 129_999 }]);
		expect((await readProduct(e2e.server, sku)).priceCents).toBe(129_999);
		await expect.poll(() => price.inputValue(), POLL).toBe("1299.99");
		expect(await description(price)).toBe("");

		// The whole price the form used to show for 1,234.56 is a change of its own.
		await price.fill("1300");
		await save.click();
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: price changed.`);
		expect(sent.slice(2)).toEqual([{ priceCents: 130_000 }]);
		await expect.poll(() => price.inputValue(), POLL).toBe("1300");
		expect(errors).toEqual([]);
	});

	it("the create form takes a HUF price in hundredths and refuses a thousandth under the field", async () => {
		const { page, errors, sent } = await openConsole(
			await createProduct(e2e.server),
			"POST",
			"/api/admin/products",
		);
		const card = page.getByRole("region", { name: "Create a drop" });
		const sku = `HUFNEW-${crypto.randomUUID().slice(0, 8)}`;
		await card.getByLabel("SKU").fill(sku);
		await card.getByLabel("Name").fill("Priced to the fillér");
		await card.getByLabel("Currency").fill("HUF");
		const price = card.getByLabel("Price");
		// The field steps by the hundredths the API counts in, so the browser's check agrees.
		await expect.poll(() => price.getAttribute("step"), POLL).toBe("0.01");

		await price.fill("1234.567");
		await card.getByRole("button", { name: "Create drop" }).click();
		await expectRefused(
			price,
			"A price in HUF takes at most 2 decimals: 1234.567 has more, and the console does not round it.",
		);
		expect(sent).toEqual([]);

		await price.fill("1234.56");
		await price.press("Enter");
		const status = page.getByRole("status", { name: "Console status" });
		await expect.poll(() => status.textContent(), POLL).toMatch(new RegExp(`Created ${sku}`));
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({ sku, priceCents: 123_456, currency: "HUF" });
		const made = await readProduct(e2e.server, sku);
		expect([made.priceCents, made.currency]).toEqual([123_456, "HUF"]);
		expect(errors).toEqual([]);
	});
});
