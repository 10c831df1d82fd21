// `npm start` answers its API only under this machine's names (src/worker/middleware/local-host.ts):
// a browser page that reached the loopback server through DNS rebinding sends its own host name in
// `Host`, and is refused 403 `forbidden` naming it before any route runs, so the committed
// ADMIN_TOKEN cannot be used from another site's page. LOCAL_HOSTS adds names of one's own (and
// then needs tokens of one's own: the committed ones are refused). The raw `Host` is judged, not
// the URL Miniflare's entry socket builds from a client's `MF-Original-URL`; a page of another
// site (its `Origin`) is refused under a loopback `Host` too.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callWithHost, type HostAnswer, type HostCallOptions } from "../support/host-call.ts";
import { listeningPorts } from "../support/listening-ports.ts";
import { startServer, type TestServer } from "../support/server.ts";

let server: TestServer;
/** A name of one's own, as LOCAL_HOSTS would list a host alias or a tunnel's name. */
const OWN_HOST = "shop.internal.test";

beforeAll(async () => {
	server = await startServer({
		env: {
			LOCAL_HOSTS: OWN_HOST,
			ADMIN_TOKEN: randomBytes(32).toString("hex"),
			DEBUG_TOKEN: randomBytes(32).toString("hex"),
		},
	});
}, 120_000);
afterAll(async () => {
	await server?.dispose();
});

/** One request to the server's own socket (or `options.port`) with the given `Host` header. */
function call(
	host: string,
	method: string,
	path: string,
	options: HostCallOptions & { port?: number } = {},
): Promise<HostAnswer> {
	return callWithHost(options.port ?? server.port, host, method, path, options);
}

describe("npm start and the Host a request names", () => {
	it("refuses an operator call under a foreign host name, naming it, and changes nothing", async () => {
		const foreign = `rebind-${crypto.randomUUID().slice(0, 8)}.example:${server.port}`;
		const read = await call(foreign, "GET", "/api/admin/limits", { token: server.adminToken });
		expect(read.status).toBe(403);
		expect(read.body.error?.code).toBe("forbidden");
		expect(read.body.error?.message).toContain(JSON.stringify(foreign.split(":")[0]));
		expect(read.body.error?.message).toContain("LOCAL_HOSTS");

		const sku = `HOST-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
		const product = { sku, name: "Rebound", priceCents: 100, currency: "USD", totalStock: 3 };
		const create = await call(foreign, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: product,
		});
		expect(create.status).toBe(403);
		expect(create.body.error?.code).toBe("forbidden");
		// Nothing was created: the product is unknown under the server's own name.
		expect((await call(`127.0.0.1:${server.port}`, "GET", `/api/products/${sku}`)).status).toBe(
			404,
		);
		// A session (a buyer's first write) is refused the same way.
		const session = await call(foreign, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		expect(session.status).toBe(403);
	});

	it("answers under every loopback name and those LOCAL_HOSTS lists", async () => {
		for (const host of [
			`127.0.0.1:${server.port}`,
			`localhost:${server.port}`,
			"LOCALHOST",
			`[::1]:${server.port}`,
			`app.localhost:${server.port}`,
			`127.0.0.2:${server.port}`,
			`${OWN_HOST}:${server.port}`,
		]) {
			const res = await call(host, "GET", "/api/admin/limits", { token: server.adminToken });
			expect({ host, status: res.status }).toEqual({ host, status: 200 });
		}
	});

	it("refuses a name that only contains a loopback one", async () => {
		for (const host of ["localhost.example.com", "127.0.0.1.nip.io", "evil-localhost"]) {
			const res = await call(host, "GET", "/healthz");
			expect({ host, status: res.status }).toEqual({ host, status: 403 });
		}
	});
});

/** A product to create, under a fresh SKU. */
function newProduct(): {
	sku: string;
	name: string;
	priceCents: number;
	currency: string;
	totalStock: number;
} {
	const sku = `HOST-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
	return { sku, name: "Rebound", priceCents: 100, currency: "USD", totalStock: 3 };
}

describe("npm start and the page a request comes from", () => {
	it("refuses an operator write from another site's page under a loopback Host, and changes nothing", async () => {
		const own = `127.0.0.1:${server.port}`;
		const product = newProduct();
		const create = await call(own, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: product,
			headers: { origin: `http://attacker.example:${server.port}` },
		});
		expect(create.status).toBe(403);
		expect(create.body.error?.code).toBe("forbidden");
		expect(create.body.error?.message).toContain(`"http://attacker.example:${server.port}"`);
		expect((await call(own, "GET", `/api/products/${product.sku}`)).status).toBe(404);
		// Its own pages (and a listed name's) write as before.
		for (const origin of [`http://localhost:${server.port}`, `http://${OWN_HOST}:${server.port}`]) {
			const res = await call(own, "POST", "/api/admin/products", {
				token: server.adminToken,
				body: newProduct(),
				headers: { origin },
			});
			expect({ origin, status: res.status }).toEqual({ origin, status: 201 });
		}
	});
});

describe("npm start's second socket (Miniflare's entry worker)", () => {
	it("judges the raw Host, not the URL a client's MF-Original-URL names", async () => {
		// Every other port of the server's group that answers the app's /healthz under a loopback name.
		const entries: number[] = [];
		for (const port of listeningPorts(server.pid)) {
			if (port === server.port) continue;
			// Other sockets of the group (workerd's internal ones) may speak no HTTP at all.
			const health = await call(`127.0.0.1:${port}`, "GET", "/healthz", { port }).catch(() => null);
			if (health?.status === 200 && health.body.data !== undefined) entries.push(port);
		}
		expect(entries.length).toBeGreaterThan(0);
		for (const port of entries) {
			const foreign = `attacker.example:${port}`;
			const spoof = { "mf-original-url": `http://localhost:${port}/api/admin/limits` };
			const read = await call(foreign, "GET", "/api/admin/limits", {
				token: server.adminToken,
				headers: spoof,
				port,
			});
			expect({ port, status: read.status }).toEqual({ port, status: 403 });
			const product = newProduct();
			const create = await call(foreign, "POST", "/api/admin/products", {
				token: server.adminToken,
				body: product,
				headers: { "mf-original-url": `http://localhost:${port}/api/admin/products` },
				port,
			});
			expect({ port, status: create.status }).toEqual({ port, status: 403 });
			expect(
				(await call(`127.0.0.1:${server.port}`, "GET", `/api/products/${product.sku}`)).status,
			).toBe(404);
		}
	});
});
