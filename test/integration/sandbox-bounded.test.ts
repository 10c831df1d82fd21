// A session's own demo sandbox is bounded (docs/decisions/163-a-sandbox-bounded.md): its owner's
// attempts meet a budget of their own per session (kept by the sandbox's object) and per address
// (the edge's), and eventual mode writes at most a bound of allocation rows. Before, the owner's
// attempts met no limit at all and each eventual attempt wrote a row that stayed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { reserveEventual } from "../../src/worker/eventual.ts";
import { newSession } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

async function sandboxOf(token: string, ip: string): Promise<string> {
	const created = await limited<{ sku: string }>("POST", "/api/demo/sandbox", { ip, token });
	expect([200, 201]).toContain(created.status);
	return created.body.data?.sku ?? "";
}

/** `n` keyed attempts at once (each reaches the object), their statuses and 429 messages. */
async function burst(
	token: string,
	ip: string,
	sku: string,
	n: number,
	vars: Record<string, string>,
	atMs?: number,
): Promise<{ statuses: number[]; messages: string[] }> {
	const answers = await Promise.all(
		Array.from({ length: n }, () =>
			limited("POST", "/api/reservations", {
				ip,
				token,
				vars,
				body: { sku },
				headers: { "idempotency-key": crypto.randomUUID() },
				...(atMs === undefined ? {} : { atMs }),
			}),
		),
	);
	return {
		statuses: answers.map((a) => a.status),
		messages: answers.filter((a) => a.status === 429).map((a) => a.body.error?.message ?? ""),
	};
}

describe("a session's own sandbox, bounded", () => {
	it("meets the session's sandbox budget, no tier, in safe and eventual mode", async () => {
		const vars = { RATE_LIMIT_SANDBOX: "20", RATE_LIMIT_SANDBOX_IP: "1000" };
		const token = await newSession();
		const ip = freshIp();
		const sku = await sandboxOf(token, ip);
		const { statuses, messages } = await burst(token, ip, sku, 30, vars);
		expect(statuses.filter((s) => s === 429)).toHaveLength(10);
		expect(statuses.filter((s) => s === 201)).toHaveLength(20);
		// One count, no tiers: the burst does not tier the owner down to 1 a minute.
		for (const m of messages)
			expect(m).toMatch(/^This session reached its limit of 20 reservation attempts per 60 s\./);
		const eventual = await limited("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku, mode: "eventual" },
		});
		expect(eventual.status).toBe(429);
		expect(eventual.body.error?.code).toBe("rate_limited");
	});

	it("meets its address's sandbox budget, all its sessions together", async () => {
		const vars = { RATE_LIMIT_SANDBOX: "1000", RATE_LIMIT_SANDBOX_IP: "25" };
		const ip = freshIp();
		const [a, b] = await Promise.all([newSession(), newSession()]);
		const [skuA, skuB] = await Promise.all([sandboxOf(a, ip), sandboxOf(b, ip)]);
		// Judged at one moment: the address's bucket refills nothing between the two bursts.
		const atMs = Date.now();
		const first = await burst(a, ip, skuA, 15, vars, atMs);
		const second = await burst(b, ip, skuB, 15, vars, atMs);
		const statuses = [...first.statuses, ...second.statuses];
		expect(statuses.filter((s) => s === 429)).toHaveLength(5);
		for (const m of [...first.messages, ...second.messages])
			expect(m).toMatch(
				/^This network address reached its limit of 25 demo sandbox reserve attempts per 60 s\./,
			);
		// Another address is not touched by it.
		const other = await burst(b, freshIp(), skuB, 1, vars);
		expect(other.statuses).toEqual([201]);
	});

	it("counts what reaches the sandbox's object, not the edge's own sold_out answers", async () => {
		const vars = { RATE_LIMIT_SANDBOX: "1000", RATE_LIMIT_SANDBOX_IP: "12" };
		const token = await newSession();
		const ip = freshIp();
		const sku = await sandboxOf(token, ip);
		const atMs = Date.now();
		const attempt = (quantity: number, key: string | null) =>
			limited("POST", "/api/reservations", {
				ip,
				token,
				vars,
				atMs,
				body: { sku, quantity },
				headers: key === null ? {} : { "idempotency-key": key },
			});
		// Ten attempts of ten units sell the 100 out: ten of the address's twelve.
		for (let i = 0; i < 10; i++) expect((await attempt(10, null)).status).toBe(201);
		// Unkeyed attempts now meet the edge's copy of a sold-out SKU: answered there, not counted.
		const unkeyed = await Promise.all(Array.from({ length: 20 }, () => attempt(1, null)));
		expect(unkeyed.filter((a) => a.status === 409).length).toBeGreaterThan(2);
		// Keyed ones reach the object and are counted: the budget ends there.
		const keyed = [];
		for (let i = 0; i < 3; i++) keyed.push((await attempt(1, crypto.randomUUID())).status);
		expect(keyed).toContain(429);
	});

	it("writes at most its bound of eventual allocation rows, however many attempts race", async () => {
		const token = await newSession();
		const sku = await sandboxOf(token, freshIp());
		const sessionId = `sbx-${crypto.randomUUID()}`;
		const results = await Promise.all(
			Array.from({ length: 20 }, () =>
				reserveEventual(env, {
					sku,
					sessionId,
					quantity: 1,
					idempotencyKey: null,
					countEarlierAllocations: false,
					arrivedAtMs: Date.now(),
					limits: null,
					allocationsMax: 5,
				}),
			),
		);
		expect(results.filter((r) => r.ok)).toHaveLength(5);
		expect(results.filter((r) => !r.ok && r.code === "sold_out")).toHaveLength(15);
		const rows = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM eventual_allocations WHERE sku = ?",
		)
			.bind(sku)
			.first<{ n: number }>();
		expect(rows?.n).toBe(5);
		// The refused attempts wrote no count either: the stock is the last allocation's stale value.
		const stock = await env.DB.prepare("SELECT remaining FROM eventual_stock WHERE sku = ?")
			.bind(sku)
			.first<{ remaining: number }>();
		expect(stock?.remaining).toBe(99);
	});
});
