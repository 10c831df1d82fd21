// The console's audit trail in Chromium: paging past the newest events to the drop's first,
// each event's detail in its row, and a split SKU's escrow transfers named as such rather than
// shown as an operator's `product.updated` (docs/decisions/096-console-trail-pages-and-counters.md).

import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, openContext, screenshot } from "./browser.ts";
import { POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

/** More PATCHes than the newest page of the trail (200 rows) holds. */
const PATCHES = 205;

describe("console audit trail", () => {
	const e2e = browserSuite();

	async function create(sku: string, extra: Record<string, unknown> = {}): Promise<void> {
		const created = await api(e2e.server, "POST", "/api/admin/products", {
			token: e2e.server.adminToken,
			body: {
				sku,
				name: "Trail drop",
				priceCents: 1234,
				currency: "USD",
				totalStock: 40,
				...extra,
			},
		});
		expect(created.status).toBe(201);
	}

	async function patch(sku: string, body: Record<string, unknown>): Promise<void> {
		const res = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body,
		});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
	}

	async function open(sku: string) {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		const trail = page.getByRole("table", { name: "Audit trail, newest first" });
		return { page, errors, trail };
	}

	it("pages back past the newest 200 events to the drop's creation, and shows each event's detail", async () => {
		const sku = `TRAIL-${crypto.randomUUID().slice(0, 8)}`;
		await create(sku);
		for (let i = 1; i <= PATCHES; i++) await patch(sku, { name: `Trail drop ${i}` });
		await patch(sku, { priceCents: 5000 });

		const { page, errors, trail } = await open(sku);
		const rows = trail.locator("tbody tr");
		// The newest page: 200 rows, a reprice on top with what it changed.
		await expect.poll(() => rows.count(), POLL).toBe(200);
		await expect
			.poll(() => rows.first().textContent(), POLL)
			.toMatch(/product\.updated.*priceCents: 5000/);
		await expect.poll(() => rows.nth(1).textContent(), POLL).toMatch(/name: Trail drop 205/);
		expect(await trail.textContent()).not.toMatch(/product\.created/);

		await page.getByRole("button", { name: "Older events" }).click();
		// The page before: the seven events older than the newest 200, ending at the drop's creation.
		await expect.poll(() => rows.count(), POLL).toBe(PATCHES + 2 - 200);
		await expect.poll(() => rows.last().textContent(), POLL).toMatch(/product\.created/);
		expect(await rows.last().textContent()).toMatch(/priceCents: 1234/);
		expect(await rows.last().textContent()).toMatch(/totalStock: 40/);
		await expect.poll(() => rows.first().textContent(), POLL).toMatch(/name: Trail drop 6$/);
		expect(await page.getByText("The last row is the trail's first event.").count()).toBe(1);
		// The rows took the focus; no older page is offered past the first event.
		await expect
			.poll(() => page.evaluate(() => document.activeElement?.id), POLL)
			.toBe("audit-rows");
		expect(await page.getByRole("button", { name: "Older events" }).count()).toBe(0);
		await expectNoSeriousA11yViolations(page, "console: an older page of the trail");
		await screenshot(page, "console-trail-older-page");

		// Newer pages walk back up; the newest is followed live again.
		await page.getByRole("button", { name: "Newer events" }).click();
		await expect.poll(() => rows.first().textContent(), POLL).toMatch(/priceCents: 5000/);
		await page.getByRole("button", { name: "Back to the newest (live)" }).click();
		await patch(sku, { name: "After paging" });
		await expect.poll(() => rows.first().textContent(), POLL).toMatch(/name: After paging/);
		await expect.poll(() => rows.count(), POLL).toBe(200);
		expect(errors).toEqual([]);
	});

	it("names a split SKU's escrow transfers, apart from an operator's change", async () => {
		const sku = `TRAIL-SPLIT-${crypto.randomUUID().slice(0, 8)}`;
		await create(sku, { shards: 4 });
		const expiries: string[] = [];
		for (let i = 0; i < 6; i++) {
			const token = await newBuyer(e2e.server);
			const hold = await api<{ expiresAt: string }>(e2e.server, "POST", "/api/reservations", {
				token,
				body: { sku },
			});
			expect(hold.status).toBe(201);
			expiries.push(hold.body.data?.expiresAt as string);
		}
		await patch(sku, { name: "Split, renamed" });

		const { page, errors, trail } = await open(sku);
		const rows = trail.locator("tbody tr");
		// A split SKU's trail is in the order D1 received its shards' events: the rename need not be on top.
		await expect.poll(() => trail.textContent(), POLL).toMatch(/name: Split, renamed/);
		const texts = await rows.allTextContents();
		const escrow = texts.filter((t) => /escrow transfer/.test(t));
		expect(escrow.length).toBeGreaterThanOrEqual(4);
		for (const t of escrow) expect(t).toMatch(/Escrow: (shard \d+ was granted|a pool of 40 units)/);
		expect(texts.filter((t) => /product\.updated/.test(t))).toEqual([
			expect.stringMatching(/name: Split, renamed/),
		]);
		// A hold's expiresAt, written by the server as ISO text, reads as a local time; the ISO
		// text is the <time>'s datetime and title, never the row's words.
		const holds = texts.filter((t) => /reservation\.created/.test(t));
		expect(holds).toHaveLength(6);
		for (const t of holds) expect(t).toMatch(/expiresAt: /);
		for (const iso of expiries) {
			expect(texts.join("\n")).not.toContain(iso);
			const shown = trail.locator(`time[datetime="${iso}"]`);
			expect(await shown.count()).toBeGreaterThanOrEqual(1);
			expect(await shown.first().getAttribute("title")).toBe(iso);
			expect(await shown.first().textContent()).toBe(
				await page.evaluate(
					(at) =>
						new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }),
					iso,
				),
			);
		}
		await expectNoSeriousA11yViolations(page, "console: a split SKU's trail");
		await screenshot(page, "console-trail-escrow");
		expect(errors).toEqual([]);
	});
});
