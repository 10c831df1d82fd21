// Secrets through the real app: a presented admin token is refused the same way whatever its
// length (the compare runs over SHA-256 digests, src/worker/secrets.ts; that every token check
// uses it is test/unit/secrets.test.ts), and the session's IP hash is the keyed, daily one.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { ipHash } from "../../src/worker/secrets.ts";
import { ADMIN, call, DEBUG, uniqueSku } from "./helpers.ts";

describe("the operator token", () => {
	it("a wrong token of any length is 403 forbidden with the same answer, and creates nothing", async () => {
		const product = { name: "N", priceCents: 100, currency: "USD", totalStock: 5 };
		const wrong = ["x", ADMIN.slice(0, -1), "z".repeat(ADMIN.length), `${ADMIN}-and-more`];
		const errors: unknown[] = [];
		for (const token of wrong) {
			const sku = uniqueSku("CT");
			const res = await call("POST", "/api/admin/products", { token, body: { ...product, sku } });
			expect(res.status, token).toBe(403);
			errors.push(res.body.error);
			expect((await call("GET", `/api/products/${sku}`)).status).toBe(404);
		}
		// One answer for every length: nothing in the reply tells a shorter guess from a longer one.
		expect(new Set(errors.map((e) => JSON.stringify(e))).size).toBe(1);
		expect((await call("GET", "/api/admin/limits")).status).toBe(401);
		expect((await call("GET", "/api/admin/limits", { token: ADMIN })).status).toBe(200);
	});
});

describe("the session's IP hash", () => {
	it("is the HMAC keyed by IP_HASH_SECRET for today, not a hash anyone can recompute", async () => {
		const ip = "192.0.2.44";
		const before = Date.now();
		const res = await call<{ token: string }>("POST", "/api/sessions", {
			body: { turnstileToken: DEBUG },
			headers: { "cf-connecting-ip": ip },
		});
		expect(res.status).toBe(201);
		const after = Date.now();
		const stored = await env.SESSIONS.get<{ ipHash: string }>(
			sessionKey(await sha256Hex(res.body.data?.token ?? "")),
			"json",
		);
		const hash = stored?.ipHash ?? "";
		expect(hash).toMatch(/^[0-9a-f]{16}$/);
		// Created between `before` and `after`, which may straddle midnight UTC.
		const expected = [
			(await ipHash(env.IP_HASH_SECRET, ip, before)).slice(0, 16),
			(await ipHash(env.IP_HASH_SECRET, ip, after)).slice(0, 16),
		];
		expect(expected).toContain(hash);
		// The old scheme: SHA-256 of the IP behind an empty or public salt.
		for (const salt of ["", "local-ip-hash-salt"]) {
			expect(hash).not.toBe((await sha256Hex(`${salt}:${ip}`)).slice(0, 16));
		}
		expect(hash).not.toBe((await sha256Hex(ip)).slice(0, 16));
	});
});
