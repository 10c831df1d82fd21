// `npm run dev` (wrangler dev) and a DNS-rebinding page. wrangler's proxy builds the URL the Worker
// sees, and rewrites its `Host`, from a client's `MF-Original-URL`, which a page on
// attacker.example:PORT (same-origin once its DNS answer turns to 127.0.0.1) may add to a fetch
// without a preflight, so the Worker's own check (src/worker/middleware/local-host.ts) cannot see
// the browser's `Host` under dev. The loopback front of scripts/dev-front.ts judges the raw `Host`
// (and `Origin`) before wrangler: a rebinding page's GETs are refused as its writes are
// (decision 176), and the live feed's WebSocket passes through it. wrangler dev's own port behind
// the front answers nothing but what the front forwards with this start's secret (decision 182).
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_READY_TIMEOUT_MS, type DevServer, startDev } from "../support/dev-server.ts";
import { callWithHost } from "../support/host-call.ts";
import { waitUntil } from "../support/proc.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";

/** How long the live feed's first messages may take on a loaded machine. */
const FEED_WAIT_MS = 30_000;

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

/** A product made under the server's own name, for a SKU's operator reads and its live feed. */
async function created(): Promise<string> {
	const product = newProduct();
	const create = await callWithHost(port, `127.0.0.1:${port}`, "POST", "/api/admin/products", {
		token: TEST_ADMIN_TOKEN,
		body: product,
	});
	expect(create.status).toBe(201);
	return product.sku;
}

/** The status a WebSocket upgrade of `sku`'s live feed is answered with under `host` on `to`. */
function upgradeStatus(host: string, sku: string, to = port): Promise<number> {
	return new Promise((resolve, reject) => {
		const req = request({
			host: "127.0.0.1",
			port: to,
			path: `/api/products/${sku}/live`,
			headers: {
				host,
				connection: "Upgrade",
				upgrade: "websocket",
				"sec-websocket-version": "13",
				"sec-websocket-key": Buffer.from(crypto.randomUUID().slice(0, 16)).toString("base64"),
			},
		});
		req.on("upgrade", (res, socket) => {
			socket.destroy();
			resolve(res.statusCode ?? 0);
		});
		req.on("response", (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		});
		req.on("error", reject);
		req.end();
	});
}

describe("npm run dev's loopback front", () => {
	it("refuses a rebinding page's operator reads under a foreign Host, MF-Original-URL or not", async () => {
		const sku = await created();
		const foreign = `attacker.example:${port}`;
		for (const path of ["/api/admin/limits", `/api/admin/products/${sku}/stats`]) {
			for (const spoof of [false, true]) {
				const headers: Record<string, string> = spoof
					? { "mf-original-url": `http://localhost:${port}${path}` }
					: {};
				const read = await callWithHost(port, foreign, "GET", path, {
					token: TEST_ADMIN_TOKEN,
					headers,
				});
				expect({ path, spoof, status: read.status }).toEqual({ path, spoof, status: 403 });
				expect(read.body.error?.code).toBe("forbidden");
				expect(read.body.error?.message).toContain('"attacker.example"');
				expect(read.body.error?.message).toContain("LOCAL_HOSTS");
			}
			// The same read under the server's own name is answered.
			const own = await callWithHost(port, `localhost:${port}`, "GET", path, {
				token: TEST_ADMIN_TOKEN,
			});
			expect({ path, status: own.status }).toEqual({ path, status: 200 });
		}
	});

	it("passes the live feed's WebSocket through both ways, and refuses its upgrade under a foreign Host", async () => {
		const sku = await created();
		expect(await upgradeStatus(`attacker.example:${port}`, sku)).toBe(403);
		const ws = new WebSocket(`ws://127.0.0.1:${port}/api/products/${sku}/live`);
		const messages: { type?: string; sku?: string }[] = [];
		ws.addEventListener("message", (event) => messages.push(JSON.parse(String(event.data))));
		const arrived = (count: number) =>
			waitUntil(`${count} live feed messages`, async () => messages.length >= count, FEED_WAIT_MS);
		try {
			await arrived(1);
			// A message from the client asks for the state: the front carries frames both ways.
			ws.send("ping");
			await arrived(2);
			expect(messages.slice(0, 2).map((m) => [m.type, m.sku])).toEqual([
				["availability", sku],
				["availability", sku],
			]);
		} finally {
			ws.close();
		}
	});
});

describe("wrangler dev's own port behind the front", () => {
	it("refuses a rebinding page's operator reads there, MF-Original-URL and all, and any call the front did not forward", async () => {
		const sku = await created();
		const behind = dev?.wranglerPort ?? 0;
		for (const path of ["/api/admin/limits", `/api/admin/products/${sku}/stats`]) {
			const calls: [string, Record<string, string>][] = [
				// What the page sends: its own name, and wrangler's header naming a loopback URL.
				[`attacker.example:${behind}`, { "mf-original-url": `http://localhost:${behind}${path}` }],
				// A loopback name, and a guess at the front's header, are not the front either.
				[`localhost:${behind}`, {}],
				[`localhost:${behind}`, { "x-dev-front-secret": "0".repeat(64) }],
			];
			for (const [host, headers] of calls) {
				const read = await callWithHost(behind, host, "GET", path, {
					token: TEST_ADMIN_TOKEN,
					headers,
				});
				const seen = { path, host, headers, status: read.status };
				expect(seen).toEqual({ ...seen, status: 403 });
				expect(read.body.error?.code).toBe("forbidden");
				expect(read.body.error?.message).toContain("loopback front");
			}
			// Through the front the same read is answered, a client's own copy of the header replaced.
			const own = await callWithHost(port, `localhost:${port}`, "GET", path, {
				token: TEST_ADMIN_TOKEN,
				headers: { "x-dev-front-secret": "0".repeat(64) },
			});
			expect({ path, status: own.status }).toEqual({ path, status: 200 });
		}
		expect(await upgradeStatus(`localhost:${behind}`, sku, behind)).toBe(403);
	});
});
