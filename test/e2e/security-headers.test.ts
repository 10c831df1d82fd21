// The pages under their Content-Security-Policy (decision 165), in Chromium against `npm start`:
// the storefront (Turnstile's script, a hold, the live WebSocket, a payment), the guided demo (its
// login and a safe allocation) and the operator console (sign-in, figures, the latency chart) work
// with the policy on and break no rule of it — every `securitypolicyviolation` the page raises is
// recorded from before its first script. The policy is in force: an inline script, a frame from
// another site and an image from another site are refused, a frame from Turnstile's origin is not,
// and another site cannot frame a page.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "./axe.ts";
import { collectPageErrors, DESKTOP, metric, openContext } from "./browser.ts";
import { POLL as CONSOLE_POLL, signIn } from "./console-support.ts";
import { POLL as DEMO_POLL, login, step } from "./demo-support.ts";
import { createDrop, POLL } from "./storefront-support.ts";
import { browserSuite } from "./suite.ts";
import { standInTurnstile } from "./turnstile-stand-in.ts";

/** Another site: every request to it is answered here, never sent. */
const ELSEWHERE = "https://elsewhere.example";
/** Turnstile's challenge iframe comes from here (its script too: the stand-in). */
const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

interface Violation {
	directive: string;
	blocked: string;
}

/** Records every CSP violation of the context's pages, from before their first script. */
async function recordViolations(context: BrowserContext): Promise<void> {
	await context.addInitScript(() => {
		const w = window as unknown as { __csp: { directive: string; blocked: string }[] };
		w.__csp = [];
		document.addEventListener("securitypolicyviolation", (e) => {
			w.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI });
		});
	});
	// Answered, not aborted: a refusal then is the policy's, not the network's.
	await context.route(`${ELSEWHERE}/**`, (route) =>
		route.fulfill({ contentType: "text/html", body: "<p>elsewhere</p>" }),
	);
	await context.route(`${TURNSTILE_ORIGIN}/frame-probe`, (route) =>
		route.fulfill({ contentType: "text/html", body: "<p>challenge</p>" }),
	);
}

const violations = (page: Page) =>
	page.evaluate(() => (window as unknown as { __csp: Violation[] }).__csp);

/**
 * The policy is in force on `page`: an inline script does not run, a frame and an image from
 * another site are refused (three violations, and only those), a frame from Turnstile's origin loads.
 */
async function expectPolicyInForce(page: Page): Promise<void> {
	const before = (await violations(page)).length;
	const ran = await page.evaluate(
		async ({ elsewhere, turnstile }) => {
			const w = window as unknown as { __inlineRan?: boolean };
			const script = document.createElement("script");
			script.textContent = "window.__inlineRan = true;";
			document.head.append(script);
			const frame = document.createElement("iframe");
			frame.src = `${elsewhere}/frame`;
			const image = document.createElement("img");
			image.src = `${elsewhere}/pixel.png`;
			image.alt = "";
			const challenge = document.createElement("iframe");
			challenge.src = `${turnstile}/frame-probe`;
			challenge.title = "probe";
			frame.title = "probe";
			document.body.append(frame, image, challenge);
			await new Promise((r) => setTimeout(r, 500));
			const ok = w.__inlineRan === true;
			frame.remove();
			image.remove();
			challenge.remove();
			return ok;
		},
		{ elsewhere: ELSEWHERE, turnstile: TURNSTILE_ORIGIN },
	);
	expect(ran, "an inline script ran").toBe(false);
	await expect
		.poll(
			async () =>
				(await violations(page))
					.slice(before)
					.map((v) => v.directive)
					.sort(),
			POLL,
		)
		.toEqual(["frame-src", "img-src", "script-src-elem"]);
	const probes = (await violations(page)).slice(before);
	expect(probes.filter((v) => v.blocked.startsWith(TURNSTILE_ORIGIN))).toEqual([]);
}

describe("the pages under their Content-Security-Policy", () => {
	const e2e = browserSuite();

	async function open(path: string, turnstile = false) {
		const context = await openContext(e2e.browser, e2e.server.url, DESKTOP);
		if (turnstile) await standInTurnstile(context);
		await recordViolations(context);
		const page = await context.newPage();
		e2e.track(page);
		const errors = collectPageErrors(page);
		await page.goto(path);
		return { page, errors };
	}

	it("the storefront: Turnstile, a hold, the live feed and a payment, with no violation", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await open(`/?sku=${sku}`, true);
		await page.getByRole("button", { name: "Verify (stand-in widget)" }).click();
		await page.getByRole("heading", { name: "Reserve" }).waitFor();
		await page.getByRole("button", { name: "Reserve" }).click();
		await page.getByRole("timer", { name: "Time left on your hold" }).waitFor();
		// The live socket brings the change back to the page.
		await expect.poll(() => metric(page, "Held"), POLL).toBe("1");
		await page.getByRole("radio", { name: /Visa test card/ }).check();
		await page.getByRole("button", { name: "Pay $42.00" }).click();
		await expect
			.poll(() => page.getByRole("status", { name: "Purchase status" }).textContent(), POLL)
			.toMatch(/Payment accepted/);
		await expect.poll(() => metric(page, "Sold"), POLL).toBe("1");
		await expectNoSeriousA11yViolations(page, "storefront under its CSP");
		expect(await violations(page)).toEqual([]);
		expect(errors).toEqual([]);
		await expectPolicyInForce(page);
	});

	it("the demo: login and a safe allocation, with no violation", async () => {
		const { page, errors } = await open("/demo");
		await login(page);
		await page.getByRole("button", { name: "Allocate 1 unit (safe)" }).click();
		await expect
			.poll(
				() => metric(step(page, "Step 2 · Baseline allocation (safe path)"), "Available"),
				DEMO_POLL,
			)
			.toBe("99");
		expect(await violations(page)).toEqual([]);
		expect(errors).toEqual([]);
		await expectPolicyInForce(page);
	});

	it("the console: sign-in, a drop's figures and its latency chart, with no violation", async () => {
		const sku = await createDrop(e2e.server);
		const { page, errors } = await open(`/console?sku=${sku}`);
		await signIn(page, e2e.server.adminToken);
		await expect.poll(() => metric(page, "Available"), CONSOLE_POLL).toBe("3");
		// uPlot draws into a canvas it sizes with inline style properties (CSSOM, allowed).
		await expect.poll(() => page.locator("canvas").count(), CONSOLE_POLL).toBeGreaterThan(0);
		expect(await violations(page)).toEqual([]);
		expect(errors).toEqual([]);
		await expectPolicyInForce(page);
	});

	it("another site cannot frame a page", async () => {
		const target = `${e2e.server.url}/console`;
		// Another origin on this machine (another port), served for real: a page Playwright answered
		// itself counts as a public site, which Chromium refuses a loopback frame whatever its headers.
		const framer = createServer((_req, res) => {
			res.writeHead(200, { "content-type": "text/html" });
			res.end(`<iframe title="framed" src="${target}"></iframe>`);
		});
		await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve));
		try {
			const { port } = framer.address() as AddressInfo;
			const context = await e2e.browser.newContext({ viewport: DESKTOP });
			const page = await context.newPage();
			e2e.track(page);
			const framed = page.waitForResponse(target);
			await page.goto(`http://127.0.0.1:${port}/`);
			// The page itself came (200): the refusal is the browser's, from its headers.
			expect((await framed).status()).toBe(200);
			// Chromium shows its error page in a frame the page refused to be shown in.
			await expect
				.poll(
					() =>
						page
							.frames()
							.find((f) => f !== page.mainFrame())
							?.url() ?? "",
					POLL,
				)
				.toMatch(/^chrome-error:/);
		} finally {
			await new Promise((resolve) => framer.close(resolve));
		}
	});
});
