// `npm start` routes between the Worker and the static assets itself (src/worker/local-entry.ts);
// it must do what the assets router does with wrangler.jsonc on Cloudflare and under wrangler dev.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pathOf, RUN_WORKER_FIRST, runsWorkerFirst } from "../../src/worker/local-routes.ts";

function wranglerRunWorkerFirst(): unknown {
	const text = readFileSync(
		fileURLToPath(new URL("../../wrangler.jsonc", import.meta.url).href),
		"utf8",
	)
		.split("\n")
		.filter((line) => !line.trimStart().startsWith("//"))
		.join("\n");
	return (JSON.parse(text) as { assets: { run_worker_first: unknown } }).assets.run_worker_first;
}

describe("local routing between the Worker and the static assets", () => {
	it("uses wrangler.jsonc's run_worker_first list", () => {
		expect([...RUN_WORKER_FIRST]).toEqual(wranglerRunWorkerFirst());
	});

	it("sends the API, the health check and the local helpers to the Worker", () => {
		for (const path of [
			"/api/",
			"/api/products",
			"/api/products/X/live",
			"/healthz",
			"/__local/turnstile/siteverify",
		])
			expect(runsWorkerFirst(path), path).toBe(true);
	});

	it("sends pages, bundles and unknown paths to the assets (their 404 page included)", () => {
		for (const path of [
			"/",
			"/console",
			"/demo",
			"/assets/app.js",
			"/api",
			"/healthz/x",
			"/nope",
			"/xapi/",
		])
			expect(runsWorkerFirst(path), path).toBe(false);
	});

	it("reads a request's path as URL parsing does, without parsing plain ones", () => {
		for (const url of [
			"http://127.0.0.1:8787/healthz",
			"http://127.0.0.1:8787/api/products?x=1#y",
			"http://127.0.0.1:8787",
			"http://127.0.0.1:8787/",
			"http://127.0.0.1:8787/api/../index.html",
			"http://127.0.0.1:8787/%61pi/products",
			"http://127.0.0.1:8787/api/./products",
			"http://127.0.0.1:8787/api\\products",
			"http://localhost/console?next=/api/x",
		])
			expect(pathOf(url), url).toBe(new URL(url).pathname);
	});
});
