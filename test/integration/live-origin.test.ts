// The live feed's upgrade and the page that asks for it (src/worker/live-origin.ts): a WebSocket
// is outside CORS, so without a check any site's page could make its visitors' browsers hold
// places of the feed from their own addresses. An upgrade whose Origin is present and is not the
// site's own (the request's origin, or one LIVE_FEED_ORIGINS lists) is refused 403 `forbidden`
// naming it, before the SKU's object is asked; an upgrade without Origin (a non-browser client)
// is taken, and so, locally (ENVIRONMENT local or test), is a page on a loopback address at any
// port, as the Vite dev server's (docs/decisions/128-live-feed-places-per-address.md).
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/worker/app.ts";
import type { Vars } from "./cost-support.ts";
import { createProduct } from "./helpers.ts";

/**
 * What production needs: a Turnstile widget's own keys (not Turnstile's test keys), a chosen
 * payment provider, and no committed token (the test environment's are unset).
 */
const PRODUCTION: Vars = {
	ENVIRONMENT: "production",
	DEBUG_TOKEN: undefined,
	ADMIN_TOKEN: undefined,
	PAYMENT_PROVIDER: "simulated",
	TURNSTILE_SITE_KEY: "0x4AAAAAAAintegrationSiteKey",
	TURNSTILE_SECRET_KEY: "0x4AAAAAAAintegrationSecretKey0123456789",
};

/** The upgrade's status (and message when refused); a socket it opened is closed at once. */
async function upgrade(
	sku: string,
	origin: string | null,
	vars: Vars = {},
): Promise<{ status: number; code?: string; message?: string }> {
	const headers: Record<string, string> = { upgrade: "websocket" };
	if (origin !== null) headers.origin = origin;
	const res = await app.fetch(
		new Request(`http://rg.test/api/products/${sku}/live`, { headers }),
		{ ...env, ...vars },
		createExecutionContext(),
	);
	if (res.webSocket !== null) {
		res.webSocket.accept();
		res.webSocket.close(1000, "done");
		return { status: res.status };
	}
	const body = (await res.json()) as { error: { code: string; message: string } };
	return { status: res.status, code: body.error.code, message: body.error.message };
}

describe("the live feed's Origin", () => {
	it("refuses another site's page, naming it, and takes the site's own and a client without Origin", async () => {
		const sku = await createProduct();
		const evil = await upgrade(sku, "https://evil.example");
		expect(evil).toMatchObject({ status: 403, code: "forbidden" });
		expect(evil.message).toContain('"https://evil.example"');
		// Browsers send "null" from sandboxed frames and file: pages: not the site's page either.
		expect((await upgrade(sku, "null")).status).toBe(403);
		// Same host, another scheme or port: another origin.
		expect((await upgrade(sku, "https://rg.test")).status).toBe(403);
		expect((await upgrade(sku, "http://rg.test:8080")).status).toBe(403);

		expect((await upgrade(sku, "http://rg.test")).status).toBe(101);
		expect((await upgrade(sku, null)).status).toBe(101);
	});

	it("takes the origins LIVE_FEED_ORIGINS lists, and no others", async () => {
		const sku = await createProduct();
		const vars = { LIVE_FEED_ORIGINS: "https://shop.example, https://www.shop.example:8443" };
		expect((await upgrade(sku, "https://shop.example", vars)).status).toBe(101);
		expect((await upgrade(sku, "https://www.shop.example:8443", vars)).status).toBe(101);
		expect((await upgrade(sku, "https://shop.example.evil", vars)).status).toBe(403);
		expect((await upgrade(sku, "http://rg.test", vars)).status).toBe(101);
	});

	it("takes a loopback page at any port locally, and not in production", async () => {
		const sku = await createProduct();
		for (const origin of ["http://localhost:5173", "http://127.0.0.1:9422", "http://[::1]:8787"])
			expect((await upgrade(sku, origin)).status).toBe(101);
		expect((await upgrade(sku, "http://localhost:5173", PRODUCTION)).status).toBe(403);
		expect((await upgrade(sku, "http://rg.test", PRODUCTION)).status).toBe(101);
	});

	it("refuses before asking the object: an unknown SKU from another site is still 403", async () => {
		expect((await upgrade("NO-SUCH-SKU-EVER", "https://evil.example")).status).toBe(403);
	});
});
