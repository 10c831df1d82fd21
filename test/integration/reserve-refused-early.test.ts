// A reserve attempt by a valid session that is refused before the SKU object's decision — a bad
// body, an unknown SKU — meets no session limit (that lives in the object), so it is a write of
// the address's (docs/rate-limits.md, "Reserve attempts and the per-IP writes limit"). Attempts
// the object decides still spend none of the address's writes. Inside workerd, RATE_LIMITS=on.
import { describe, expect, it } from "vitest";
import { TestClock } from "../support/clock.ts";
import { createProduct, DEBUG, newSession } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

const vars = { RATE_LIMIT_WRITES: "5" };

describe("reserve attempts refused before the object's decision", () => {
	it("a bad body spends the address's writes: after 5 × 400 the next attempt is 429 ip_writes", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const ip = freshIp();
		const reserve = (body: unknown) =>
			limited("POST", "/api/reservations", { ip, token, vars, body });
		for (let i = 0; i < 5; i++)
			expect((await reserve({ sku, quantity: 0 })).status, `#${i + 1}`).toBe(400);
		const refused = await reserve({ sku, quantity: 1 });
		expect(refused.status).toBe(429);
		expect(refused.body.error?.code).toBe("rate_limited");
		expect(refused.body.error?.message).toContain("5 write requests per 60 s");
		expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
	});

	it("attempts in flight together are all counted: a refilled token does not let the next wave through", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const ip = freshIp();
		const clock = new TestClock();
		const wave = (atMs: number) =>
			Promise.all(
				Array.from({ length: 20 }, () =>
					limited("POST", "/api/reservations", {
						ip,
						token,
						vars,
						atMs,
						body: { sku, quantity: 0 },
					}),
				),
			);
		const first = await wave(clock.nowMs);
		expect(first.filter((r) => r.status === 400).length).toBeGreaterThanOrEqual(5);
		// One write's refill later (5 a minute: 12 s), the address is still in debt for the wave.
		const second = await wave(clock.advance(12_000));
		expect(second.map((r) => r.status).filter((s) => s !== 429)).toEqual([]);
	});

	it("an unknown SKU spends them too", async () => {
		const token = await newSession();
		const ip = freshIp();
		const sku = `NOPE-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
		const reserve = () => limited("POST", "/api/reservations", { ip, token, vars, body: { sku } });
		for (let i = 0; i < 5; i++) expect((await reserve()).status, `#${i + 1}`).toBe(404);
		expect((await reserve()).status).toBe(429);
	});

	it("attempts the object decides spend none of them", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 20 });
		const token = await newSession();
		const ip = freshIp();
		const reserve = (body: unknown) =>
			limited("POST", "/api/reservations", { ip, token, vars, body });
		for (let i = 0; i < 8; i++)
			expect((await reserve({ sku, quantity: 1 })).status, `#${i + 1}`).toBe(201);
		for (let i = 0; i < 5; i++) expect((await reserve({ sku, quantity: -1 })).status).toBe(400);
		expect((await reserve({ sku, quantity: 1 })).status).toBe(429);
	});

	it("a session past its own cost limit spends none of them: its address may still make a session", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const ip = freshIp();
		// Every session's spend is past the default demo cost limit at this scale.
		const past = { ...vars, BILLING_SCALE: "1000000" };
		for (let i = 0; i < 8; i++) {
			const res = await limited("POST", "/api/reservations", {
				ip,
				token,
				vars: past,
				body: { sku },
			});
			expect(res.status, `#${i + 1}`).toBe(503);
			expect(res.body.error?.code).toBe("cost_limit");
		}
		// Anyone else behind the address: its writes are not in debt for that session's refusals.
		const other = await limited("POST", "/api/sessions", {
			ip,
			vars,
			body: { turnstileToken: DEBUG },
		});
		expect(other.status, JSON.stringify(other.body)).toBe(201);
	});
});
