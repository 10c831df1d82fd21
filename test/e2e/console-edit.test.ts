// The console changes a drop (docs/ui.md): "Edit drop" sends only the fields changed (the
// trail's product.updated carries exactly them), stops and starts a drop by its start time,
// asks before a stock cut and shows the server's refusal (a cut below the units held, a later
// start on a started room, a setting out of range) under the field it names, and refuses a
// price with more decimals than its currency has before sending anything; the create form
// splits a drop across shards and gives it a waiting room, whose stock the edit form then cuts.

import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { localDateTime } from "../../src/web/console/edit-form.ts";
import { api } from "../support/server.ts";
import { createProduct, newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext, PHONE, screenshot } from "./browser.ts";
import {
	description,
	expectRefused,
	isFocused,
	POLL,
	readProduct,
	signIn,
} from "./console-support.ts";
import { browserSuite } from "./suite.ts";

describe("operator console: editing and creating drops", () => {
	const e2e = browserSuite();

	async function updates(sku: string): Promise<AuditEvent[]> {
		const r = await api<{ events: AuditEvent[] }>(
			e2e.server,
			"GET",
			`/api/admin/products/${sku}/events?limit=1000`,
			{ token: e2e.server.adminToken },
		);
		expect(r.status).toBe(200);
		return (r.body.data?.events ?? []).filter((e) => e.type === "product.updated");
	}

	async function openConsole(
		sku: string,
		viewport = DESKTOP,
	): Promise<{ page: Page; errors: string[] }> {
		const context = await openContext(e2e.browser, e2e.server.url, viewport);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		return { page, errors };
	}

	async function openEdit(page: Page, sku: string): Promise<Locator> {
		const card = page.getByRole("region", { name: `Edit ${sku}` });
		await card.getByRole("button", { name: "Edit drop" }).click();
		await expect.poll(() => isFocused(card.getByLabel("Name")), POLL).toBe(true);
		return card;
	}

	it("saves only the fields changed, shows them in the trail, and stops and starts the drop", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3 }, "EDIT");
		const { page, errors } = await openConsole(sku);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("3");
		const card = await openEdit(page, sku);
		expect(await card.getByLabel("Price").inputValue()).toBe("42.00");
		await expectNoSeriousA11yViolations(page, "console: the edit form");
		await card.getByLabel("Name").fill("Renamed in the console");
		await card.getByLabel("Price").fill("50");
		await card.getByLabel("Total stock").fill("5");
		await card.getByRole("button", { name: "Save changes" }).click();

		const status = page.getByRole("status", { name: "Console status" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(`Saved ${sku}: name, price, total stock changed.`);
		await expect.poll(() => metric(page, "Available"), POLL).toBe("5");
		const trail = page.getByRole("table", { name: "Audit trail, newest first" });
		await expect
			.poll(() => trail.getByRole("row").nth(1).textContent(), POLL)
			.toMatch(/product\.updated/);
		// The picker learns the new name; the server recorded exactly the three fields changed.
		await expect
			.poll(
				() => page.getByLabel("Drop", { exact: true }).locator("option:checked").textContent(),
				POLL,
			)
			.toBe(`${sku} — Renamed in the console`);
		const [update] = await updates(sku);
		expect(update?.detail).toEqual({
			name: "Renamed in the console",
			priceCents: 5000,
			totalStock: 5,
		});
		const saved = await readProduct(e2e.server, sku);
		expect([saved.name, saved.priceCents, saved.totalStock]).toEqual([
			"Renamed in the console",
			5000,
			5,
		]);

		// Stop: a start in the future takes the drop off sale, after a confirmation.
		const later = localDateTime(new Date(Date.now() + 86_400_000).toISOString());
		await card.getByLabel("Starts at").fill(later);
		await card.getByRole("button", { name: "Save changes" }).click();
		const dialog = page.getByRole("dialog", { name: `Change ${sku}?` });
		await dialog.waitFor();
		expect(await dialog.textContent()).toMatch(/Sales stop until/);
		expect(await isFocused(dialog.getByRole("button", { name: "Go back" }))).toBe(true);
		await dialog.getByRole("button", { name: "Apply changes" }).click();
		await expect
			.poll(async () => (await readProduct(e2e.server, sku)).availability.status, POLL)
			.toBe("scheduled");
		// Start: an empty start is on sale now, no confirmation needed.
		await card.getByLabel("Starts at").fill("");
		await card.getByRole("button", { name: "Save changes" }).click();
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: start changed.`);
		// The stop's notice said the same words: the server's answer tells the two saves apart.
		await expect
			.poll(async () => (await readProduct(e2e.server, sku)).availability.status, POLL)
			.toBe("live");
		// One field each: the start, and nothing else sent with it.
		const starts = (await updates(sku)).slice(1).map((e) => Object.keys(e.detail ?? {}));
		expect(starts).toHaveLength(2);
		for (const keys of starts) expect(keys).toEqual([expect.stringMatching(/^startsAt/)]);
		await screenshot(page, "console-edit");
		expect(errors).toEqual([]);
	});

	it("refuses a price with more decimals than its currency has, typed or left by a currency change, and sends nothing", async () => {
		const sku = await createProduct(e2e.server, { priceCents: 2450, currency: "USD" }, "CENTS");
		const { page, errors } = await openConsole(sku);
		const patches: string[] = [];
		page.on("request", (request) => {
			if (request.method() === "PATCH" && new URL(request.url()).pathname.endsWith(`/${sku}`))
				patches.push(request.postData() ?? "");
		});
		const card = await openEdit(page, sku);
		const price = card.getByLabel("Price");
		const save = card.getByRole("button", { name: "Save changes" });
		expect(await price.inputValue()).toBe("24.50");

		// A tenth of a cent: refused under the field, naming the decimals USD takes, not rounded.
		await price.fill("24.505");
		await save.click();
		await expectRefused(
			price,
			"A price in USD takes at most 2 decimals: 24.505 has more, and the console does not round it.",
		);
		await expectNoSeriousA11yViolations(page, "console: a price with too many decimals");

		// The currency alone changed to one without decimals: 24.50 is not converted to ¥25.
		await price.fill("24.50");
		await card.getByLabel("Currency").fill("JPY");
		await save.click();
		await expect
			.poll(() => description(price), POLL)
			.toBe(
				"A price in JPY takes no decimals: 24.50 is not a whole number, and the console does not round it. Changing the currency does not convert the price: type it in JPY.",
			);
		await expect.poll(() => isFocused(price), POLL).toBe(true);
		expect(patches).toEqual([]);
		const unchanged = await readProduct(e2e.server, sku);
		expect([unchanged.priceCents, unchanged.currency]).toEqual([2450, "USD"]);

		// Corrected, the price in yen is sent as typed.
		await price.fill("2450");
		await save.click();
		const status = page.getByRole("status", { name: "Console status" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(`Saved ${sku}: price, currency changed.`);
		expect(patches.map((body) => JSON.parse(body))).toEqual([
			{ priceCents: 2450, currency: "JPY" },
		]);
		const saved = await readProduct(e2e.server, sku);
		expect([saved.priceCents, saved.currency]).toEqual([2450, "JPY"]);
		expect(await description(card.getByLabel("Price"))).toBe("");

		// A refused save after it: the refusal under the field, and "Saved" no longer beside it.
		await price.fill("24.5");
		await save.click();
		await expect.poll(() => description(price), POLL).toContain("A price in JPY takes no decimals");
		expect(await status.textContent()).toBe("");
		expect(patches).toHaveLength(1);
		expect(errors).toEqual([]);
	});

	it("asks before a stock cut, and shows the server's refusal under the field it names", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 3, perUserLimit: 2 }, "CUT");
		const buyer = await newBuyer(e2e.server);
		const hold = await api(e2e.server, "POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
		});
		expect(hold.status).toBe(201);
		const { page, errors } = await openConsole(sku);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("2");
		const card = await openEdit(page, sku);
		const stock = card.getByLabel("Total stock");
		await stock.fill("1");
		const save = card.getByRole("button", { name: "Save changes" });
		await save.click();
		const dialog = page.getByRole("dialog", { name: `Change ${sku}?` });
		await dialog.waitFor();
		expect(await dialog.textContent()).toMatch(
			/Stock cut from 3 to 1 unit\. 2 held and 0 sold .* this save will be refused unless holds end before it arrives\./,
		);
		// Going back sends nothing.
		await dialog.getByRole("button", { name: "Go back" }).click();
		await expect.poll(() => dialog.isVisible(), POLL).toBe(false);
		await expect.poll(() => isFocused(save), POLL).toBe(true);
		await save.click();
		await dialog.getByRole("button", { name: "Apply changes" }).click();

		await expect
			.poll(() => description(stock), POLL)
			.toMatch(/^totalStock cannot go below the units reserved and sold/);
		expect(await stock.getAttribute("aria-invalid")).toBe("true");
		await expect.poll(() => isFocused(stock), POLL).toBe(true);
		expect(await stock.inputValue()).toBe("1");
		await expectNoSeriousA11yViolations(page, "console: an edit refused");
		await screenshot(page, "console-edit-refused");
		expect((await readProduct(e2e.server, sku)).totalStock).toBe(3);

		// A 400 names its field too: a room's turn shorter than the contract allows.
		await stock.fill("3");
		await card.getByLabel("Waiting room").check();
		const admit = card.getByLabel("Admit seconds");
		await admit.fill("5");
		await save.click();
		await expect.poll(() => description(admit), POLL).toMatch(/^waitingRoom\.admitSeconds: /);
		expect(await description(stock)).toBe("");
		await expect.poll(() => isFocused(admit), POLL).toBe(true);
		const unchanged = await readProduct(e2e.server, sku);
		expect([unchanged.totalStock, unchanged.waitingRoom ?? null]).toEqual([3, null]);
		expect(await updates(sku)).toEqual([]);
		expect(errors).toEqual([]);
	});

	it("a stock cut's confirmation counts the holds as read at Save, and says the drop changed since the form opened", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 4, perUserLimit: 2 }, "STALE");
		const { page, errors } = await openConsole(sku);
		const card = await openEdit(page, sku);
		expect(await card.textContent()).toMatch(/As of .+: 0 held, 0 sold\b/);
		// After the form opened: a buyer holds 2, and another operator renames the drop and raises its stock.
		const buyer = await newBuyer(e2e.server);
		const hold = await api(e2e.server, "POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
		});
		expect(hold.status).toBe(201);
		const other = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body: { name: "Renamed elsewhere", totalStock: 5 },
		});
		expect(other.status).toBe(200);

		await card.getByLabel("Total stock").fill("3");
		await card.getByRole("button", { name: "Save changes" }).click();
		const dialog = page.getByRole("dialog", { name: `Change ${sku}?` });
		await dialog.waitFor();
		const said = (await dialog.textContent()) ?? "";
		expect(said).toMatch(
			new RegExp(
				`${sku} changed since this form opened: name "[^"]*" → "Renamed elsewhere"; total stock 4 → 5\\.`,
			),
		);
		expect(said).toMatch(/Saving replaces that change to the total stock with yours\./);
		expect(said).toMatch(
			/Stock cut from 5 to 3 units\. 2 held and 0 sold \(as of [^)]+\) stay theirs/,
		);
		expect(await isFocused(dialog.getByRole("button", { name: "Go back" }))).toBe(true);
		await expectNoSeriousA11yViolations(page, "console: a confirmation after the drop changed");
		await screenshot(page, "console-edit-changed-since");
		await dialog.getByRole("button", { name: "Apply changes" }).click();

		const status = page.getByRole("status", { name: "Console status" });
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: total stock changed.`);
		// Only the stock was sent: the other operator's name stays.
		const saved = await readProduct(e2e.server, sku);
		expect([saved.name, saved.totalStock, saved.availability.reserved]).toEqual([
			"Renamed elsewhere",
			3,
			2,
		]);
		expect(errors).toEqual([]);
	});

	it("the form's held-and-sold line follows the Live counters while it is open, with the time they are as of", async () => {
		const sku = await createProduct(e2e.server, { totalStock: 4, perUserLimit: 2 }, "LIVE");
		const { page, errors } = await openConsole(sku);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("0");
		const card = await openEdit(page, sku);
		expect(await card.textContent()).toMatch(/\b0 held, 0 sold\b/);
		await card.getByLabel("Name").fill("Typed, not saved");
		// After the form opened: a buyer holds 2.
		const buyer = await newBuyer(e2e.server);
		const hold = await api(e2e.server, "POST", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 2 },
		});
		expect(hold.status).toBe(201);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("2");
		await expect.poll(() => card.textContent(), POLL).toMatch(/\b2 held, 0 sold\b/);
		// Said with its age, and where it comes from.
		expect(await card.textContent()).toMatch(/As of .+: 2 held, 0 sold \(the Live counters\)\./);
		// The line changes, not the form: what the operator typed stays.
		expect(await card.getByLabel("Name").inputValue()).toBe("Typed, not saved");
		expect(errors).toEqual([]);
	});

	it("a started room holding tickets refuses a later start: the 409 shows under Starts at", async () => {
		const sku = await createProduct(e2e.server, { waitingRoom: { enabled: true } }, "ROOM");
		const buyer = await newBuyer(e2e.server);
		const joined = await api(e2e.server, "POST", `/api/products/${sku}/queue`, { token: buyer });
		expect(joined.status).toBe(201);
		const { page, errors } = await openConsole(sku);
		const card = await openEdit(page, sku);
		expect(await card.getByLabel("Waiting room").isChecked()).toBe(true);
		const startsAt = card.getByLabel("Starts at");
		await startsAt.fill(localDateTime(new Date(Date.now() + 86_400_000).toISOString()));
		await card.getByRole("button", { name: "Save changes" }).click();
		await page
			.getByRole("dialog", { name: `Change ${sku}?` })
			.getByRole("button", { name: "Apply changes" })
			.click();
		await expect
			.poll(() => description(startsAt), POLL)
			.toMatch(/^startsAt cannot move later: the waiting room/);
		await expect.poll(() => isFocused(startsAt), POLL).toBe(true);
		expect((await readProduct(e2e.server, sku)).startsAt).toBeNull();
		expect(errors).toEqual([]);
	});

	it("creates a drop split across shards with a waiting room, on a phone", async () => {
		const sku = `SPLIT-${crypto.randomUUID().slice(0, 8)}`;
		const { page, errors } = await openConsole(await createProduct(e2e.server), PHONE);
		const create = page.getByRole("region", { name: "Create a drop" });
		await create.getByLabel("SKU").fill(sku);
		await create.getByLabel("Name").fill("Split with a room");
		await create.getByLabel("Total stock").fill("20");
		await create.getByLabel("Shards").fill("2");
		const admit = create.getByLabel("Admit seconds");
		// The room's settings wait for the room.
		expect(await admit.isDisabled()).toBe(true);
		await create.getByLabel("Waiting room").check();
		await admit.fill("30");
		await create.getByLabel("Overbook").fill("0.25");
		await create.getByRole("button", { name: "Create drop" }).click();
		const status = page.getByRole("status", { name: "Console status" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(`Created ${sku} with 20 units, split across 2 objects, with a waiting room.`);
		const made = await readProduct(e2e.server, sku);
		expect(made.shards).toBe(2);
		expect(made.waitingRoom).toMatchObject({ enabled: true, admitSeconds: 30, overbook: 0.25 });
		// The form is back to its defaults.
		expect(await create.getByLabel("Shards").inputValue()).toBe("1");
		expect(await create.getByLabel("Waiting room").isChecked()).toBe(false);

		// The new drop is selected; its edit form shows the split and the room as created.
		await expect.poll(() => page.getByLabel("Drop", { exact: true }).inputValue(), POLL).toBe(sku);
		const card = await openEdit(page, sku);
		expect(await card.textContent()).toMatch(/Split across 2 objects, fixed when it was created/);
		expect(await card.getByLabel("Waiting room").isChecked()).toBe(true);
		expect(await card.getByLabel("Admit seconds").inputValue()).toBe("30");
		// A stock cut on a split SKU, asked first, applied to the SKU as a whole.
		await card.getByLabel("Total stock").fill("12");
		await card.getByRole("button", { name: "Save changes" }).click();
		const dialog = page.getByRole("dialog", { name: `Change ${sku}?` });
		await dialog.waitFor();
		expect(await dialog.textContent()).toMatch(/Stock cut from 20 to 12 units/);
		await dialog.getByRole("button", { name: "Apply changes" }).click();
		await expect.poll(() => status.textContent(), POLL).toBe(`Saved ${sku}: total stock changed.`);
		expect((await readProduct(e2e.server, sku)).availability.total).toBe(12);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			PHONE.width,
		);
		await expectNoSeriousA11yViolations(page, "console: the edit form on a phone");
		await screenshot(page, "console-create-split-room-phone");
		expect(errors).toEqual([]);
	});
});
