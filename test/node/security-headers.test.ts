// The security headers of decision 165, read off real servers: the pages (static assets, their
// headers from dist/client/_headers, applied by the assets router) with a Content-Security-Policy,
// no framing, nosniff and a Referrer-Policy; every answer of the API (the Worker's) with nosniff
// and no framing. Under `npm start` (the lean runtime: its LocalEntrypoint hands the pages to the
// ASSETS binding) and under `npm run dev` (wrangler dev's own router in front of the Worker).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_READY_TIMEOUT_MS, type DevServer, startDev } from "../support/dev-server.ts";
import { startServer, TEST_ADMIN_TOKEN, type TestServer } from "../support/server.ts";

/** What every page answer says, whatever the path (the pages, their bundles, the 404 page). */
function expectPageHeaders(headers: Headers, what: string): void {
	const csp = headers.get("content-security-policy") ?? "";
	const directives = new Map(
		csp
			.split(";")
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name = "", ...values]) => [name, values]),
	);
	expect(directives.get("default-src"), `${what}: default-src`).toEqual(["'self'"]);
	expect(directives.get("script-src"), `${what}: script-src`).toEqual([
		"'self'",
		"https://challenges.cloudflare.com",
	]);
	expect(directives.get("frame-src"), `${what}: frame-src`).toEqual([
		"https://challenges.cloudflare.com",
	]);
	expect(directives.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
	expect(directives.get("object-src"), `${what}: object-src`).toEqual(["'none'"]);
	expect(headers.get("x-frame-options"), `${what}: X-Frame-Options`).toBe("DENY");
	expect(headers.get("x-content-type-options"), `${what}: nosniff`).toBe("nosniff");
	expect(headers.get("referrer-policy"), `${what}: Referrer-Policy`).toBe("strict-origin");
}

/** What every API answer says, success or refusal. */
function expectApiHeaders(headers: Headers, what: string): void {
	expect(headers.get("x-content-type-options"), `${what}: nosniff`).toBe("nosniff");
	expect(headers.get("x-frame-options"), `${what}: X-Frame-Options`).toBe("DENY");
}

async function pageAnswers(base: string): Promise<void> {
	const index = await fetch(`${base}/`);
	const html = await index.text();
	expect(index.status).toBe(200);
	expectPageHeaders(index.headers, "/");
	for (const path of ["/demo", "/console", "/favicon.ico"]) {
		const res = await fetch(`${base}${path}`);
		await res.arrayBuffer();
		expect(res.status, path).toBe(200);
		expectPageHeaders(res.headers, path);
	}
	// A bundle the storefront loads: nosniff matters most on scripts and styles.
	const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
	expect(script, "the storefront's script").toBeDefined();
	const bundle = await fetch(`${base}${script}`);
	await bundle.arrayBuffer();
	expect(bundle.status).toBe(200);
	expectPageHeaders(bundle.headers, String(script));
	// The 404 page of an unknown path, and the rules file itself, which is not an asset.
	const missing = await fetch(`${base}/no-such-page-${crypto.randomUUID()}`);
	await missing.arrayBuffer();
	expect(missing.status).toBe(404);
	expectPageHeaders(missing.headers, "the 404 page");
	const rules = await fetch(`${base}/_headers`);
	await rules.arrayBuffer();
	expect(rules.status).toBe(404);
}

async function apiAnswers(base: string): Promise<void> {
	const answers: [what: string, status: number, init: RequestInit & { path: string }][] = [
		["/healthz", 200, { path: "/healthz" }],
		["the configuration", 200, { path: "/api/config" }],
		["an unknown route (its 404 quotes the path)", 404, { path: "/api/<script>x</script>" }],
		["an unknown SKU", 404, { path: `/api/products/NOPE-${crypto.randomUUID()}/availability` }],
		[
			"a body that is not JSON",
			415,
			{
				path: "/api/sessions",
				method: "POST",
				body: "x",
				headers: { "content-type": "text/plain" },
			},
		],
		["an operator call without a token", 401, { path: "/api/admin/products/DEMO-SNEAKER/stats" }],
		[
			"an operator call with the token",
			200,
			{
				path: "/api/admin/products/DEMO-SNEAKER/stats",
				headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
			},
		],
	];
	for (const [what, status, { path, ...init }] of answers) {
		const res = await fetch(`${base}${path}`, init);
		await res.arrayBuffer();
		expect(res.status, what).toBe(status);
		expectApiHeaders(res.headers, what);
	}
}

describe("security headers under npm start", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it("on every page answer: CSP allowing Turnstile, no framing, nosniff, Referrer-Policy", async () => {
		await pageAnswers(server.url);
	});

	it("on every API answer, success or refusal: nosniff and no framing", async () => {
		await apiAnswers(server.url);
	});
});

describe("security headers under npm run dev", () => {
	let dev: DevServer | undefined;
	let base = "";
	beforeAll(async () => {
		dev = await startDev();
		base = `http://127.0.0.1:${dev.port}`;
	}, DEV_READY_TIMEOUT_MS + 10_000);
	afterAll(async () => {
		await dev?.stop();
	});

	it("the same page and API headers as npm start", async () => {
		await pageAnswers(base);
		await apiAnswers(base);
	});
});
