// One reset per confirmation: a double click on the reset dialog's confirm sends one
// POST …/reset, not one for each click (each click would carry its own Idempotency-Key, so the
// server would take the second for a new reset). With the reset limited as in production (one a
// minute per address), a second request is refused 429, and the console used to say the drop
// "was not reset" although the first request had reset it.

import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import {
	collectPageErrors,
	DESKTOP,
	metric,
	openContext,
	regionSays,
	SAYS_NOTHING,
} from "./browser.ts";
import { heldDrop, POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

const STOCK = 4;
const HOLDS = 2;

describe("operator console: one reset per confirmation", () => {
	// The limits on, the reset's at its default (one a minute per address): the other limits
	// are raised out of the way of the test's own buyers.
	const e2e = browserSuite({
		server: {
			env: {
				RATE_LIMITS: "on",
				RATE_LIMIT_WRITES: "100000",
				RATE_LIMIT_READS: "100000",
				RATE_LIMIT_SESSIONS: "1000",
			},
		},
	});

	it("a double click on the confirm sends one reset, and the notice says it was reset", async () => {
		const sku = await heldDrop(e2e.server, {
			prefix: "RESETONCE",
			name: "Reset once",
			stock: STOCK,
			holds: HOLDS,
		});
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		const resets: string[] = [];
		page.on("request", (request) => {
			if (
				request.method() === "POST" &&
				new URL(request.url()).pathname === `/api/admin/products/${sku}/reset`
			)
				resets.push(request.headers()["idempotency-key"] ?? "");
		});
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe(String(HOLDS));

		const resetDrop = page.getByRole("button", { name: "Reset drop" });
		await resetDrop.click();
		const dialog = page.getByRole("dialog", { name: `Reset ${sku}?` });
		await dialog.getByLabel(`Type ${sku} to confirm`).fill(sku);
		await dialog.getByRole("button", { name: `Reset ${sku}` }).dblclick();

		// The reset has answered (the button is back) and the holds are released.
		await expect.poll(() => resetDrop.getAttribute("aria-disabled"), POLL).toBeNull();
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("0");
		const status = page.getByRole("status", { name: "Console status", exact: true });
		const problem = page.getByRole("alert", { name: "Console status: problem" });
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(`${sku} was reset: ${STOCK} of ${STOCK} units available.`);
		expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
		// One request for the one confirmation, and one reset on the trail.
		expect(resets).toHaveLength(1);
		const trail = await api<{ events: AuditEvent[] }>(
			e2e.server,
			"GET",
			`/api/admin/products/${sku}/events?limit=1000`,
			{ token: e2e.server.adminToken },
		);
		expect(trail.status).toBe(200);
		expect(trail.body.data?.events.filter((e) => e.type === "inventory.reset")).toHaveLength(1);
		expect(errors).toEqual([]);
	});
});
