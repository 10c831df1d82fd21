// The Worker under `npm run dev` answers only what the loopback front forwards
// (src/worker/middleware/dev-front.ts, docs/decisions/182-wrangler-devs-port-answers-only-the-front.md):
// with DEV_FRONT_SECRET set, a request without the front's exact header is refused 403 `forbidden`
// before any route and changes nothing; with it, the request is served and the routes never see
// the header. Unset (the tests, `npm start`, production), nothing is asked.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DEV_FRONT_HEADER } from "../../src/shared/dev-front-secret.ts";
import type { AppEnv } from "../../src/worker/http.ts";
import { notThroughFront } from "../../src/worker/middleware/dev-front.ts";
import { randomHexToken } from "../support/random.ts";
import { callWith } from "./cost-support.ts";
import { ADMIN, uniqueSku } from "./helpers.ts";

describe("DEV_FRONT_SECRET set", () => {
	it("refuses every request without the front's exact header, before any route, and changes nothing", async () => {
		const secret = randomHexToken();
		const vars = { DEV_FRONT_SECRET: secret };
		const sku = uniqueSku("FRONT");
		const product = { sku, name: "N", priceCents: 100, currency: "USD", totalStock: 1 };
		const others: Record<string, string>[] = [
			{},
			{ [DEV_FRONT_HEADER]: randomHexToken() },
			{ [DEV_FRONT_HEADER]: secret.slice(0, -1) },
			{ [DEV_FRONT_HEADER]: `${secret}0` },
			{ [DEV_FRONT_HEADER]: "" },
		];
		for (const headers of others) {
			const calls = [
				await callWith(vars, "GET", "/healthz", { headers }),
				await callWith(vars, "GET", "/api/admin/limits", { token: ADMIN, headers }),
				await callWith(vars, "POST", "/api/admin/products", {
					token: ADMIN,
					body: product,
					headers,
				}),
			];
			for (const res of calls) {
				expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
				expect(res.body.error?.code).toBe("forbidden");
				expect(res.body.error?.message).toContain("loopback front");
				expect(JSON.stringify(res.body)).not.toContain(secret);
			}
		}
		expect((await callWith({}, "GET", `/api/products/${sku}`)).status).toBe(404);
		// With the exact header the same calls are served.
		const front = { [DEV_FRONT_HEADER]: secret };
		expect((await callWith(vars, "GET", "/healthz", { headers: front })).status).toBe(200);
		const create = await callWith(vars, "POST", "/api/admin/products", {
			token: ADMIN,
			body: product,
			headers: front,
		});
		expect(create.status).toBe(201);
		const limits = await callWith(vars, "GET", "/api/admin/limits", {
			token: ADMIN,
			headers: front,
		});
		expect(limits.status).toBe(200);
	});

	it("drops the header from the request the routes read", async () => {
		const secret = randomHexToken();
		const probe = new Hono<AppEnv>();
		probe.use("*", async (c, next) => {
			c.set("requestId", "probe");
			c.set("startedAtMs", Date.now());
			return (await notThroughFront(c, secret)) ?? next();
		});
		probe.post("/seen", async (c) =>
			c.json({
				header: c.req.header(DEV_FRONT_HEADER) ?? null,
				raw: c.req.raw.headers.get(DEV_FRONT_HEADER),
				other: c.req.header("x-other") ?? null,
				body: await c.req.text(),
			}),
		);
		const res = await probe.fetch(
			new Request("http://rg.test/seen", {
				method: "POST",
				headers: { [DEV_FRONT_HEADER]: secret, "x-other": "kept" },
				body: "the body",
			}),
			env,
			createExecutionContext(),
		);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ header: null, raw: null, other: "kept", body: "the body" });
	});

	it("asks nothing when unset", async () => {
		expect((await callWith({}, "GET", "/healthz")).status).toBe(200);
		expect((await callWith({ DEV_FRONT_SECRET: "" }, "GET", "/healthz")).status).toBe(200);
	});
});
