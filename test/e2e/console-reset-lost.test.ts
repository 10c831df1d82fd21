// The operator console's reset when its answer is lost (src/web/console/reset-outcome.ts):
// the reset is "not confirmed", never "failed, try again", and once the console reads the
// audit trail again the notice says whether the server did it, by the Idempotency-Key the click
// sent (docs/decisions/081-reset-idempotency-key.md): another operator's reset is never taken
// for this one. Once with a request that never reached the server (alone, and with another
// operator's reset in between), once held until the page stopped waiting, once with a server
// that did the reset and died (kill -9) before its answer reached the page, then came back on
// the same state.

import type { BrowserContext, Page, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { api } from "../support/server.ts";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import {
	collectPageErrors,
	DESKTOP,
	metric,
	openContext,
	regionSays,
	SAYS_NOTHING,
	screenshot,
} from "./browser.ts";
import { heldDrop, POLL, signIn } from "./console-support.ts";
import { browserSuite } from "./suite.ts";

/** The console finds its way back after a restart within its backoff (up to the live socket's). */
const RESTART_POLL = { timeout: 60_000, interval: 200 };
const STOCK = 5;
const HOLDS = 3;

describe("operator console: a reset whose answer was lost", () => {
	const e2e = browserSuite();

	/** A drop of STOCK with HOLDS buyers' holds, and the console signed in on it. */
	async function consoleOnHeldDrop(prefix: string, shards = 1) {
		const sku = await heldDrop(e2e.server, {
			prefix,
			name: "Lost reset",
			stock: STOCK,
			holds: HOLDS,
			shards,
		});
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		const page = e2e.track(await context.newPage());
		const errors = collectPageErrors(page);
		await page.goto(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe(String(HOLDS));
		// The trail has been read once: the console knows the resets there were before.
		const trail = page.getByRole("table", { name: "Audit trail, newest first" });
		// (A row, not the top one: a split SKU's escrow transfers may come after the holds.)
		await trail
			.getByRole("row")
			.filter({ hasText: /reservation\.created/ })
			.first()
			.waitFor(POLL);
		return { sku, context, page, errors };
	}

	async function confirmReset(page: Page, sku: string) {
		await page.getByRole("button", { name: "Reset drop" }).click();
		const dialog = page.getByRole("dialog", { name: `Reset ${sku}?` });
		await dialog.getByLabel(`Type ${sku} to confirm`).fill(sku);
		await dialog.getByRole("button", { name: `Reset ${sku}` }).click();
	}

	const resetRoute = (context: BrowserContext, sku: string, handler: (route: Route) => unknown) =>
		context.route((url) => url.pathname === `/api/admin/products/${sku}/reset`, handler);

	const notices = (page: Page) => ({
		status: page.getByRole("status", { name: "Console status", exact: true }),
		problem: page.getByRole("alert", { name: "Console status: problem" }),
	});

	it("that never reached the server: not confirmed, then not done once the trail is read", async () => {
		const { sku, context, page, errors } = await consoleOnHeldDrop("LOSTNONE");
		await resetRoute(context, sku, (route) => route.abort("connectionreset"));
		await confirmReset(page, sku);
		const { status, problem } = notices(page);
		await expect.poll(() => status.textContent(), POLL).toMatch(/not confirmed/);
		expect(await status.textContent()).toMatch(
			new RegExp(
				`^Reset of ${sku} not confirmed: Could not reach the server\\. The server may have done it`,
			),
		);
		// The next read of the trail finds no reset since: the notice says so, as a problem.
		await expect
			.poll(() => problem.textContent(), POLL)
			.toMatch(
				new RegExp(
					`^Reset of ${sku} not done: the audit trail, read at .+, shows no reset made by this request\\. Reset again if you still want to\\.$`,
				),
			);
		expect(await regionSays(status)).toEqual(SAYS_NOTHING);
		expect(await metric(page, "Reserved")).toBe(String(HOLDS));
		await expectNoSeriousA11yViolations(page, "console: lost reset not done");
		expect(errors.filter((e) => !/ERR_CONNECTION_RESET/.test(e))).toEqual([]);
	});

	it("that never reached the server, another operator's reset landing meanwhile: not done, not theirs", async () => {
		const { sku, context, page, errors } = await consoleOnHeldDrop("LOSTOTHER");
		let sentKey: string | undefined;
		await resetRoute(context, sku, async (route) => {
			sentKey = route.request().headers()["idempotency-key"];
			// Another operator resets the drop after this console's last read of the trail, while
			// this console's own reset is lost on its way.
			const theirs = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
				token: e2e.server.adminToken,
			});
			expect(theirs.status).toBe(200);
			await route.abort("connectionreset");
		});
		await confirmReset(page, sku);
		const { status, problem } = notices(page);
		await expect.poll(() => status.textContent(), POLL).toMatch(/not confirmed/);
		// The trail shows the other operator's reset, not this click's: never "was reset".
		await expect
			.poll(() => problem.textContent(), POLL)
			.toMatch(
				new RegExp(
					`^Reset of ${sku} not done: the audit trail, read at .+, shows no reset made by this request\\.`,
				),
			);
		expect(await regionSays(status)).toEqual(SAYS_NOTHING);
		// The click sent a key of its own (docs/api.md, Operator).
		expect(sentKey).toMatch(/^[\x20-\x7e]{1,255}$/);
		// Their reset is on the trail and in the counters; this console's notice does not claim it.
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("0");
		await new Promise((r) => setTimeout(r, 2_000));
		expect(await problem.textContent()).toMatch(/not done/);
		expect(errors.filter((e) => !/ERR_CONNECTION_RESET/.test(e))).toEqual([]);
	});

	it("that the page stopped waiting for: never 'not done' while the server may still do it", async () => {
		const { sku, context, page, errors } = await consoleOnHeldDrop("LOSTSLOW");
		// The request never gets an answer (held by a slow proxy, or behind a busy object): the
		// page gives up after its 15 s timeout.
		let sentKey: string | undefined;
		await resetRoute(context, sku, (route) => {
			sentKey = route.request().headers()["idempotency-key"];
		});
		await confirmReset(page, sku);
		const { status, problem } = notices(page);
		// "Not confirmed" once the page stops waiting: first for the timeout itself ("The server did
		// not answer in time. The page stopped waiting, not the server", its wording checked in
		// test/unit/console-reset-outcome.test.ts), which a busy machine may show only between two
		// polls before the trail's read replaces it.
		await expect
			.poll(() => status.textContent(), { timeout: 30_000, interval: 200 })
			.toMatch(new RegExp(`^Reset of ${sku} not confirmed: .*[Tt]he page stopped waiting`));
		expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
		// The trail, read after the timeout, shows no reset: still "not confirmed", naming the read.
		await expect
			.poll(() => status.textContent(), POLL)
			.toMatch(
				new RegExp(
					`^Reset of ${sku} not confirmed: the audit trail, read at .+, shows no reset made by this request yet, but the page stopped waiting`,
				),
			);
		// Several more reads (one each 1.5 s): never "not done", never "Reset again".
		for (let i = 0; i < 4; i++) {
			await new Promise((r) => setTimeout(r, 1_000));
			expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
			expect(await status.textContent()).not.toMatch(/not done|Reset again/);
		}
		// Another operator's reset meanwhile is not this one: still "not confirmed".
		const theirs = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			headers: { "idempotency-key": crypto.randomUUID() },
		});
		expect(theirs.status).toBe(200);
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("0");
		for (let i = 0; i < 3; i++) {
			await new Promise((r) => setTimeout(r, 1_000));
			expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
			expect(await status.textContent()).toMatch(new RegExp(`^Reset of ${sku} not confirmed: `));
		}
		// The reset the server was still working on lands: this page's request, its key and all
		// (sent here from outside the page).
		expect(sentKey).toBeDefined();
		const late = await api(e2e.server, "POST", `/api/admin/products/${sku}/reset`, {
			token: e2e.server.adminToken,
			headers: { "idempotency-key": sentKey ?? "" },
		});
		expect(late.status).toBe(200);
		await expect
			.poll(() => status.textContent(), POLL)
			.toMatch(new RegExp(`^${sku} was reset at .+: the audit trail shows its inventory.reset`));
		expect(await metric(page, "Reserved")).toBe("0");
		expect(errors).toEqual([]);
	});

	// Last in this file: it kills and restarts the server the file shares.
	it("of a split SKU the trail shows on some shards only: sends the same key once more, then settles", async () => {
		const { sku, context, page, errors } = await consoleOnHeldDrop("LOSTSPLIT", 2);
		// The reset reaches the server and is done there, and its answer is lost on the way back;
		// the console's resend is held until the test has seen the "partly done" notice.
		const sent: string[] = [];
		let release = () => {};
		const released = new Promise<void>((r) => {
			release = r;
		});
		await resetRoute(context, sku, async (route) => {
			sent.push(route.request().headers()["idempotency-key"] ?? "");
			if (sent.length > 1) {
				await released;
				return route.fallback();
			}
			await route.fetch();
			return route.abort("connectionreset");
		});
		// The trail as after a crash between the shards: the key's reset on shard 0 only.
		await context.route(
			(url) => url.pathname === `/api/admin/products/${sku}/events`,
			async (route) => {
				const response = await route.fetch();
				const body = (await response.json()) as { data?: { events?: AuditEvent[] } };
				if (body.data?.events)
					body.data.events = body.data.events.filter(
						(e) => e.type !== "inventory.reset" || (e.shard ?? 0) === 0,
					);
				return route.fulfill({ response, json: body });
			},
		);
		await confirmReset(page, sku);
		const { status, problem } = notices(page);
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(
				`Reset of ${sku} only partly done: the audit trail shows it on 1 of its 2 shards, and the answer was lost. The console is sending the same reset again to finish it; it resets no shard twice.`,
			);
		// Sent again at once, with the same key (a repeat: exempt from the once-a-minute limit).
		await expect.poll(() => sent.length, POLL).toBe(2);
		expect(sent[1]).toBe(sent[0]);
		release();
		// Its answer (the key's reset, replayed) settles the notice.
		await expect
			.poll(() => status.textContent(), POLL)
			.toBe(`${sku} was reset: ${STOCK} of ${STOCK} units available.`);
		expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
		// Later reads of the trail (still showing one shard) send nothing more, and change nothing.
		for (let i = 0; i < 4; i++) {
			await new Promise((r) => setTimeout(r, 1_000));
			expect(sent).toHaveLength(2);
			expect(await status.textContent()).toBe(
				`${sku} was reset: ${STOCK} of ${STOCK} units available.`,
			);
		}
		await expect.poll(() => metric(page, "Reserved"), POLL).toBe("0");
		expect(errors.filter((e) => !/ERR_CONNECTION_RESET/.test(e))).toEqual([]);
	});

	it("that the server did before dying: not confirmed while it is down, done once it is back", async () => {
		const { sku, context, page, errors } = await consoleOnHeldDrop("LOSTDONE");
		let answered = 0;
		await resetRoute(context, sku, async (route) => {
			const res = await route.fetch();
			answered = res.status();
			// The server has committed the reset; it dies before its answer reaches the page.
			await e2e.server.crash();
			await route.abort("connectionreset");
		});
		await confirmReset(page, sku);
		const { status, problem } = notices(page);
		await expect.poll(() => status.textContent(), POLL).toMatch(/not confirmed/);
		expect(answered).toBe(200);
		expect(await status.textContent()).toMatch(
			new RegExp(`^Reset of ${sku} not confirmed: Could not reach the server\\.`),
		);
		expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
		await screenshot(page, "console-reset-not-confirmed");

		e2e.server = await e2e.server.restart();
		await expect
			.poll(() => status.textContent(), RESTART_POLL)
			.toMatch(
				new RegExp(
					`^${sku} was reset at .+: the audit trail shows its inventory\\.reset, although the answer to the reset was lost\\.$`,
				),
			);
		expect(await regionSays(problem)).toEqual(SAYS_NOTHING);
		await expect.poll(() => metric(page, "Reserved"), RESTART_POLL).toBe("0");
		expect(await metric(page, "Available")).toBe(String(STOCK));
		await expectNoSeriousA11yViolations(page, "console: lost reset done");
		await screenshot(page, "console-reset-lost-done");
		// While the server was down every read was refused; the browser notes each one.
		expect(errors.filter((e) => !/ERR_CONNECTION_(RESET|REFUSED)/.test(e))).toEqual([]);
	});
});
