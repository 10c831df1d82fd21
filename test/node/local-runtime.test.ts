// What `npm start`'s direct socket has to do itself, since no router or entry worker stands in
// front of it (src/worker/local-entry.ts, docs/decisions/004-local-runtime.md): pages and the 404
// page as the assets router serves them, a client address for per-IP limits, and state that
// wrangler's own local tools read (the layout of `wrangler dev --persist-to`).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/proc.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WRANGLER_TIMEOUT_MS = 60_000;
/** Sessions one IP may create per window in this test (RATE_LIMIT_SESSIONS). */
const SESSIONS_PER_IP = 2;

let server: TestServer;

beforeAll(async () => {
	server = await startServer({
		env: {
			RATE_LIMITS: "on",
			RATE_LIMIT_SESSIONS: String(SESSIONS_PER_IP),
			// Long enough that the window cannot roll over during the test.
			RATE_LIMIT_WINDOW_SECONDS: "600",
		},
	});
});

afterAll(async () => {
	await server?.dispose();
});

async function get(path: string): Promise<Response> {
	return await fetch(`${server.url}${path}`, { redirect: "manual" });
}

describe("npm start serves the pages like the assets router", () => {
	it("serves the storefront, the console and the demo as HTML", async () => {
		for (const path of ["/", "/console", "/demo"]) {
			const res = await get(path);
			expect(res.status, path).toBe(200);
			expect(res.headers.get("content-type"), path).toContain("text/html");
			expect(await res.text(), path).toContain("<!doctype html>");
		}
	});

	it("redirects to the clean page URL", async () => {
		const res = await get("/console.html");
		expect(res.status).toBe(307);
		expect(res.headers.get("location")).toBe("/console");
	});

	it("answers an unknown page with the 404 page, and an unknown API path with JSON", async () => {
		for (const path of ["/nope", "/api", "/assets/"]) {
			const res = await get(path);
			expect(res.status, path).toBe(404);
			expect(res.headers.get("content-type"), path).toContain("text/html");
			// Miniflare's note for its request log stays inside the runtime.
			expect(res.headers.get("x-mf-additional-response-log"), path).toBeNull();
		}
		const api404 = await api(server, "GET", "/api/nope");
		expect(api404.status).toBe(404);
		expect(api404.body.error?.code).toBe("not_found");
	});
});

describe("npm start's client address", () => {
	it("is 127.0.0.1 when the client sends no CF-Connecting-IP, and the header otherwise", async () => {
		const create = (headers: Record<string, string>) =>
			api(server, "POST", "/api/sessions", {
				headers,
				body: { turnstileToken: server.debugToken },
			});
		for (let i = 0; i < SESSIONS_PER_IP; i++) expect((await create({})).status).toBe(201);
		// The same client as the header-less requests: its window is used up.
		const loopback = await create({ "cf-connecting-ip": "127.0.0.1" });
		expect(loopback.status).toBe(429);
		expect(loopback.body.error?.code).toBe("rate_limited");
		// A client-set address is another client.
		expect((await create({ "cf-connecting-ip": "203.0.113.77" })).status).toBe(201);
	});
});

describe("npm start's state", () => {
	it("is where wrangler's local D1 tools look (--persist-to STATE_DIR)", async () => {
		const sku = `LAYOUT-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			headers: { "cf-connecting-ip": "203.0.113.78" },
			body: { sku, name: "Layout", priceCents: 100, currency: "USD", totalStock: 1 },
		});
		expect(created.status).toBe(201);
		await server.stop();
		const wrangler = async (...args: string[]) => {
			const result = await runCommand(
				process.execPath,
				[WRANGLER, "d1", ...args, "DB", "--local", "--persist-to", server.stateDir],
				{
					cwd: ROOT,
					timeoutMs: WRANGLER_TIMEOUT_MS,
					env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
				},
			);
			const output = `${result.stdout}\n${result.stderr}`;
			expect(result.code, output).toBe(0);
			return output;
		};
		expect(
			await wrangler("execute", "--command", `SELECT sku FROM products WHERE sku = '${sku}'`),
		).toContain(sku);
		// npm start recorded its migrations in wrangler's own table.
		expect(await wrangler("migrations", "list")).toContain("No migrations to apply");
	});
});
