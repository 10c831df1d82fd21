// The console's create form in Chromium: a price in a currency without decimals, a price with
// more decimals than its currency has, a start date the browser keeps but cannot read, a SKU
// its pattern refuses, and the form's layout at 1366 px. Creating a drop on a phone and the
// rest of the console: console.test.ts.

import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import {
	collectPageErrors,
	DESKTOP,
	openContext,
	PHONE,
	regionSays,
	SAYS_NOTHING,
	screenshot,
} from "./browser.ts";
import { description, expectRefused, isFocused, POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

describe("operator console: the create form", () => {
	const e2e = browserSuite();

	/** The console in a fresh context at `viewport`, signed in; the test closes the context. */
	async function signedIn(viewport: typeof DESKTOP) {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await page.goto("/console");
		await signIn(page, e2e.server.adminToken);
		return { context, page, errors };
	}

	it("create form: a yen price is sent in yen; a start date it cannot read is explained, not stuck", async () => {
		const { context, page, errors } = await signedIn(DESKTOP);
		const card = page.getByRole("region", { name: "Create a drop" });
		const create = card.getByRole("button", { name: "Create drop" });
		const status = page.getByRole("status", { name: "Console status" });
		const sku = `YEN-${crypto.randomUUID().slice(0, 8)}`;
		await card.getByLabel("SKU").fill(sku);
		await card.getByLabel("Name").fill("Priced in yen");
		await card.getByLabel("Currency").fill("JPY");
		const price = card.getByLabel("Price");
		// Yen have no decimals: the price steps by whole yen.
		await expect.poll(() => price.getAttribute("step"), POLL).toBe("1");
		await price.fill("1000");

		// A five-digit year: the browser keeps it and submits the form, Date cannot read it.
		const startsAt = card.getByLabel("Starts at (optional)");
		await startsAt.evaluate((el) => {
			(el as HTMLInputElement).value = "20266-12-01T10:00";
		});
		expect(await startsAt.inputValue()).toBe("20266-12-01T10:00");
		await create.click();
		const problem = page.getByRole("alert", { name: "Console status: problem" });
		await expect
			.poll(() => problem.textContent(), POLL)
			.toMatch(/Starts at is not a date and time/);
		expect(await create.isDisabled()).toBe(false);
		const notCreated = await api(e2e.server, "GET", `/api/products/${sku}`);
		expect(notCreated.status).toBe(404);

		// Corrected, the same form creates the drop, priced in yen as typed.
		await startsAt.fill("2030-01-02T03:04");
		await create.click();
		await expect.poll(() => status.textContent(), POLL).toMatch(new RegExp(`Created ${sku}`));
		const made = await api<{ priceCents: number; currency: string }>(
			e2e.server,
			"GET",
			`/api/products/${sku}`,
		);
		expect(made.body.data?.priceCents).toBe(1000);
		expect(made.body.data?.currency).toBe("JPY");
		expect(errors).toEqual([]);
		await context.close();
	});

	it("create form: a price with more decimals than its currency has is refused under the field, and nothing is sent", async () => {
		const { context, page, errors } = await signedIn(DESKTOP);
		const creates: string[] = [];
		page.on("request", (request) => {
			if (request.method() === "POST" && new URL(request.url()).pathname === "/api/admin/products")
				creates.push(request.postData() ?? "");
		});
		const card = page.getByRole("region", { name: "Create a drop" });
		const create = card.getByRole("button", { name: "Create drop" });
		const sku = `DECIMALS-${crypto.randomUUID().slice(0, 8)}`;
		await card.getByLabel("SKU").fill(sku);
		await card.getByLabel("Name").fill("Priced to the cent");
		const price = card.getByLabel("Price");

		// A tenth of a cent in USD (the form's default currency): said under the field, not rounded.
		await price.fill("24.505");
		await create.click();
		await expectRefused(
			price,
			"A price in USD takes at most 2 decimals: 24.505 has more, and the console does not round it.",
		);
		await expectNoSeriousA11yViolations(page, "console: create with a price of too many decimals");

		// Cents in yen, submitted with Enter: refused the same way.
		await price.fill("24.50");
		await card.getByLabel("Currency").fill("JPY");
		await price.press("Enter");
		await expect
			.poll(() => description(price), POLL)
			.toBe(
				"A price in JPY takes no decimals: 24.50 is not a whole number, and the console does not round it.",
			);
		expect(creates).toEqual([]);
		expect((await api(e2e.server, "GET", `/api/products/${sku}`)).status).toBe(404);

		// Corrected, the drop is created at the price typed, and the refusal is gone.
		await price.fill("2450");
		await create.click();
		const status = page.getByRole("status", { name: "Console status" });
		await expect.poll(() => status.textContent(), POLL).toMatch(new RegExp(`Created ${sku}`));
		expect(creates).toHaveLength(1);
		const made = await api<{ priceCents: number; currency: string }>(
			e2e.server,
			"GET",
			`/api/products/${sku}`,
		);
		expect([made.body.data?.priceCents, made.body.data?.currency]).toEqual([2450, "JPY"]);
		expect(await description(card.getByLabel("Price"))).toBe("");
		expect(errors).toEqual([]);
		await context.close();
	});

	it("create form: a SKU its pattern refuses says which characters it takes, and the last refusal goes", async () => {
		const taken = `TAKEN-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: { sku: taken, name: "Taken", priceCents: 100, currency: "USD", totalStock: 1 },
		});
		expect(created.status).toBe(201);
		const { context, page, errors } = await signedIn(PHONE);
		const card = page.getByRole("region", { name: "Create a drop" });
		const create = card.getByRole("button", { name: "Create drop" });
		const skuField = card.getByLabel("SKU");
		await skuField.fill(taken);
		await card.getByLabel("Name").fill("Another definition");
		await create.press("Enter");
		const problem = page.getByRole("alert", { name: "Console status: problem" });
		await expect
			.poll(() => problem.textContent(), POLL)
			.toMatch(new RegExp(`^Could not create the drop: .*${taken}.* already exists`));

		// A SKU with spaces: the browser's own check stops the submit and focuses the field.
		await skuField.fill("bad sku with spaces");
		await create.press("Enter");
		await expect.poll(() => isFocused(skuField), POLL).toBe(true);
		// The refusal about the SKU no longer in the form is gone: its region says and shows nothing.
		await expect.poll(() => regionSays(problem), POLL).toEqual(SAYS_NOTHING);
		// The field says what it takes, in its description and in the browser's bubble (its title).
		const described = await skuField.evaluate((el) =>
			(el.getAttribute("aria-describedby") ?? "")
				.split(/\s+/)
				.map((id) => document.getElementById(id)?.textContent ?? "")
				.join(" "),
		);
		expect(described).toMatch(
			/Letters, digits, dots, underscores and hyphens, no spaces; up to 64\./,
		);
		expect(await skuField.getAttribute("title")).toBe(described.trim());
		expect(await card.getByLabel("Currency").getAttribute("title")).toMatch(/^Three letters/);
		await expectNoSeriousA11yViolations(page, "console: a SKU its pattern refuses");
		const notCreated = await api(e2e.server, "GET", "/api/products/bad%20sku%20with%20spaces");
		expect(notCreated.status).not.toBe(200);
		expect(errors).toEqual([]);
		await context.close();
	});

	it("keeps the Starts at input inside its card at 1366 px", async () => {
		const { context, page } = await signedIn(DESKTOP);
		const card = page.getByRole("region", { name: "Create a drop" });
		const input = card.getByLabel("Starts at (optional)");
		await input.waitFor();
		const [cardBox, inputBox] = [await card.boundingBox(), await input.boundingBox()];
		expect(cardBox).not.toBeNull();
		expect(inputBox).not.toBeNull();
		if (cardBox === null || inputBox === null) return;
		expect(inputBox.x).toBeGreaterThanOrEqual(cardBox.x);
		expect(inputBox.x + inputBox.width).toBeLessThanOrEqual(cardBox.x + cardBox.width);
		// The control shows its whole value: it is not clipped inside its own box.
		expect(await input.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
		await input.fill("2030-01-02T03:04");
		expect(await input.inputValue()).toBe("2030-01-02T03:04");
		await screenshot(page, "console-create-1366");
		await expectNoSeriousA11yViolations(page, "console: create form at 1366 px");
		await context.close();
	});
});
