// A buyer in a waiting room's pre-queue learns of a turn given at the start while the turn
// lasts (docs/decisions/190-the-pre-queue-learns-its-turn-in-time.md). The page's first read
// after the start is spread so a whole pre-queue does not ask at once; that spread was up to
// 15 s whatever the room, so with the shortest turn (10 s) a third of the buyers admitted at the
// start never saw it: "You are in the pre-queue", then "Your turn passed". The spread is now as
// wide as the pre-queue needs (about a ms per ticket waiting, at least 1 s) and at most a fifth of
// the turn. The page draws the end of its spread here (Math.random near 1), as the unluckiest tab
// would; the turn's bound on the spread is the unit test's (test/unit/pre-queue-spread.test.ts).

import { describe, expect, it } from "vitest";
import { api } from "../support/server.ts";
import { createDrop, DESKTOP_WIDE, openStore, POLL, verify } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";

/** The shortest admission a room takes (src/domain/waiting-room-records.ts). */
const SHORT_ADMIT_SECONDS = 10;
/** A start no test run reaches, until the buyer is in the pre-queue. */
const FAR_AHEAD_MS = 3_600_000;
/**
 * The start once the buyer is in the pre-queue: past the read the page makes within 2 s of the
 * operator's change (OPERATOR_NEWS_READ_SPREAD_MS), which arms its first read after the start.
 */
const START_LEAD_MS = 6_000;

describe("a pre-queue buyer at the start", () => {
	const e2e = browserSuite();

	it("sees the turn given at the start while it lasts, a 10-s turn, with the widest draw of its read spread", async () => {
		const sku = await createDrop(e2e.server, {
			totalStock: 1,
			perUserLimit: 1,
			startsAt: new Date(Date.now() + FAR_AHEAD_MS).toISOString(),
			waitingRoom: { enabled: true, overbook: 0, admitSeconds: SHORT_ADMIT_SECONDS },
		});
		const { page, errors } = e2e.track(
			await openStore(e2e.browser, e2e.server, sku, DESKTOP_WIDE, async (p) => {
				await p.addInitScript(() => {
					Math.random = () => 0.999;
				});
			}),
		);
		await verify(page, "Waiting room");
		await page.getByRole("button", { name: "Join the queue" }).click();
		await page
			.getByText(/pre-queue/)
			.first()
			.waitFor(POLL);

		// The operator brings the start near; the one unit goes to this buyer at the start.
		const moved = await api(e2e.server, "PATCH", `/api/admin/products/${sku}`, {
			token: e2e.server.adminToken,
			body: { startsAt: new Date(Date.now() + START_LEAD_MS).toISOString() },
		});
		expect(moved.status).toBe(200);

		// Whichever the page says first: the turn, or that it passed.
		const turn = page.getByText(/It is your turn: reserve within/);
		const passed = page.getByText(/Your turn passed/);
		await turn
			.or(passed)
			.first()
			.waitFor({ timeout: START_LEAD_MS + 30_000 });
		expect(await passed.count(), "the page told the buyer only after the turn").toBe(0);
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("heading", { name: "1 unit held for you" }).waitFor(POLL);
		expect(errors).toEqual([]);
	});
});
