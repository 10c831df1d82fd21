// One client key for every per-address limit (src/worker/client-ip.ts clientKeyOf,
// src/domain/client-key.ts), inside workerd with RATE_LIMITS=on: the addresses of one IPv6 /64
// are one client to the session, reads and reset limits and to the session's ipHash; an
// IPv4-mapped address is its IPv4 client; RATE_LIMIT_IPV6_PREFIX=128 counts addresses apart.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/shared/digest.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { createProduct } from "./helpers.ts";
import { limited } from "./ratelimit-support.ts";

/** A fresh /64 in the documentation prefix (RFC 3849); address `i` inside it. */
function fresh64(): (i: number) => string {
	const hex = crypto.randomUUID().replace(/-/g, "");
	return (i) =>
		`2001:db8:${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 12)}::${(i + 1).toString(16)}`;
}

function createSession(ip: string, vars: Record<string, string> = {}) {
	return limited<{ token: string }>("POST", "/api/sessions", {
		ip,
		vars,
		body: { turnstileToken: "test-debug-token" },
	});
}

describe("the client key of per-address limits", () => {
	// The session budget is a token bucket refilled at RATE_LIMIT_SESSIONS per 60 s: at the default
	// 30 a token comes back every 2 s, which 31 calls in a row pass on a loaded machine (the 31st
	// was then 201). A budget of 5 refills one token in 12 s.
	it("6 sessions from 6 addresses of one /64, budget 5: the 6th is 429, as from one address", async () => {
		const vars = { RATE_LIMIT_SESSIONS: "5" };
		const address = fresh64();
		for (let i = 0; i < 5; i++)
			expect((await createSession(address(i), vars)).status, `#${i + 1}`).toBe(201);
		const refused = await createSession(address(5), vars);
		expect(refused.status).toBe(429);
		expect(refused.body.error?.message).toContain("5 new sessions per 60 s");
		// Another /64 is another client.
		expect((await createSession(fresh64()(0), vars)).status).toBe(201);
	});

	it("RATE_LIMIT_IPV6_PREFIX=128 counts each address of a /64 apart", async () => {
		const vars = { RATE_LIMIT_IPV6_PREFIX: "128", RATE_LIMIT_SESSIONS: "1" };
		const address = fresh64();
		for (let i = 0; i < 3; i++) expect((await createSession(address(i), vars)).status).toBe(201);
		expect((await createSession(address(0), vars)).status).toBe(429);
	});

	it("an IPv4-mapped address is the IPv4 client it names", async () => {
		const vars = { RATE_LIMIT_SESSIONS: "2" };
		const v4 = () => {
			const octets = crypto.getRandomValues(new Uint8Array(3));
			return `10.${octets[0]}.${octets[1]}.${octets[2]}`;
		};
		const ip = v4();
		expect((await createSession(ip, vars)).status).toBe(201);
		expect((await createSession(`::ffff:${ip}`, vars)).status).toBe(201);
		expect((await createSession(`::FFFF:${ip}`, vars)).status).toBe(429);
		expect((await createSession(v4(), vars)).status).toBe(201);
	});

	it("reads and resets of one /64 share one budget", async () => {
		const sku = await createProduct();
		const address = fresh64();
		const vars = { RATE_LIMIT_READS: "2" };
		const read = (i: number) => limited("GET", `/api/products/${sku}`, { ip: address(i), vars });
		expect((await read(0)).status).toBe(200);
		expect((await read(1)).status).toBe(200);
		expect((await read(2)).status).toBe(429);
		const admin = fresh64();
		const reset = (i: number) =>
			limited("POST", `/api/admin/products/${sku}/reset`, {
				ip: admin(i),
				token: "test-admin-token",
			});
		expect((await reset(0)).status).toBe(200);
		expect((await reset(1)).status).toBe(429);
	});

	it("sessions from one /64 carry one ipHash, from another /64 another", async () => {
		const address = fresh64();
		const hashOf = async (ip: string) => {
			const res = await createSession(ip);
			expect(res.status).toBe(201);
			const token = res.body.data?.token ?? "";
			const stored = await env.SESSIONS.get(sessionKey(await sha256Hex(token)));
			return (JSON.parse(stored ?? "{}") as { ipHash?: string }).ipHash;
		};
		const a = await hashOf(address(0));
		expect(a).toMatch(/^[0-9a-f]{16}$/);
		expect(await hashOf(address(7))).toBe(a);
		expect(await hashOf(fresh64()(0))).not.toBe(a);
	});
});
