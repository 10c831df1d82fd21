// `npm run dev` (wrangler dev) and a DNS-rebinding page (src/worker/middleware/local-host.ts).
// wrangler's proxy builds the URL the Worker sees, and rewrites its `Host`, from a client's
// `MF-Original-URL`, which a page on attacker.example:PORT (same-origin once its DNS answer turns
// to 127.0.0.1) may add to a fetch without a preflight. So under dev the Host check alone is
// passed; the page's `Origin`, which the browser sends on every write and the proxy leaves as it
// is, is refused instead. Its GETs stay readable under dev (decision 164, "Left").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_READY_TIMEOUT_MS, type DevServer, startDev } from "../support/dev-server.ts";
import { callWithHost } from "../support/host-call.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";

let dev: DevServer | undefined;
let port = 0;

beforeAll(async () => {
	dev = await startDev();
	port = dev.port;
}, DEV_READY_TIMEOUT_MS + 10_000);
afterAll(async () => {
	await dev?.stop();
});

function newProduct(): Record<string, unknown> & { sku: string } {
	const sku = `DEVHOST-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
	return { sku, name: "Rebound", priceCents: 100, currency: "USD", totalStock: 1 };
}

describe("npm run dev and a rebinding page", () => {
	it("refuses its operator write even with MF-Original-URL naming a loopback URL, and changes nothing", async () => {
		const foreign = `attacker.example:${port}`;
		const page = { origin: `http://${foreign}` };
		for (const spoof of [false, true]) {
			const product = newProduct();
			const headers = spoof
				? { ...page, "mf-original-url": `http://localhost:${port}/api/admin/products` }
				: page;
			const create = await callWithHost(port, foreign, "POST", "/api/admin/products", {
				token: TEST_ADMIN_TOKEN,
				body: product,
				headers,
			});
			expect({ spoof, status: create.status }).toEqual({ spoof, status: 403 });
			expect(create.body.error?.code).toBe("forbidden");
			const after = await callWithHost(
				port,
				`127.0.0.1:${port}`,
				"GET",
				`/api/products/${product.sku}`,
			);
			expect({ spoof, status: after.status }).toEqual({ spoof, status: 404 });
		}
		// A foreign Host without the header is refused by the Host check, GET included.
		const read = await callWithHost(port, foreign, "GET", "/api/admin/limits", {
			token: TEST_ADMIN_TOKEN,
		});
		expect(read.status).toBe(403);
	});

	it("answers its own pages' writes as before", async () => {
		for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
			const create = await callWithHost(port, `localhost:${port}`, "POST", "/api/admin/products", {
				token: TEST_ADMIN_TOKEN,
				body: newProduct(),
				headers: { origin },
			});
			expect({ origin, status: create.status }).toEqual({ origin, status: 201 });
		}
	});
});
