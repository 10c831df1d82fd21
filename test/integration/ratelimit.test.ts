// Rate limits end to end inside workerd (docs/rate-limits.md): real Worker, real SKU
// objects, real limiter object, RATE_LIMITS=on with small windows so the
// waits stay short. Each test uses its own IPs, sessions and SKU.
import { describe, expect, it } from "vitest";
import { createProduct, newSession } from "./helpers.ts";
import { freshIp, humanGaps, limited, sleep } from "./ratelimit-support.ts";

type Stats = { rejected: Record<string, number>; attempts: number; reserved: number };

async function stats(sku: string, ip = freshIp()): Promise<Stats> {
	const res = await limited<Stats>("GET", `/api/admin/products/${sku}/stats`, {
		ip,
		token: "test-admin-token",
	});
	expect(res.status).toBe(200);
	return res.body.data as Stats;
}

function expectRetryAfter(res: {
	status: number;
	headers: Headers;
	body: { error?: { code: string } };
}): number {
	expect(res.status).toBe(429);
	expect(res.body.error?.code).toBe("rate_limited");
	const header = res.headers.get("retry-after") ?? "";
	expect(header).toMatch(/^[1-9]\d*$/);
	return Number(header);
}

describe("per-session reserve limit", () => {
	it("an eager person gets 20 real outcomes in the window, the 21st is 429, and retrying after Retry-After succeeds", async () => {
		const vars = { RATE_LIMIT_WINDOW_SECONDS: "3", RATE_LIMIT_RESERVE: "20" };
		const sku = await createProduct({ totalStock: 30, perUserLimit: 1000 });
		const token = await newSession();
		const ip = freshIp();
		// Looks at the product first (with the session token: the "prior read").
		expect((await limited("GET", `/api/products/${sku}`, { ip, token, vars })).status).toBe(200);
		const statuses: number[] = [];
		for (const gap of humanGaps(20, 11, 20, 90)) {
			await sleep(gap);
			statuses.push(
				(await limited("POST", "/api/reservations", { ip, token, vars, body: { sku } })).status,
			);
		}
		// Real outcomes: twenty holds (stock is left, so only the limit can refuse the 21st).
		expect(statuses).toEqual(Array(20).fill(201));
		const refused = await limited<never>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku },
		});
		const seconds = expectRetryAfter(refused);
		expect(seconds).toBeLessThanOrEqual(4);
		expect(refused.body.error?.message).toContain("20 reservation attempts per 3 s");
		await sleep(seconds * 1000);
		const again = await limited("POST", "/api/reservations", { ip, token, vars, body: { sku } });
		expect(again.status).toBe(201);
		const s = await stats(sku);
		expect(s.rejected["rate_limited.reserve"]).toBe(1);
		expect(s.reserved).toBe(21);
	});

	it("counts sold-out answers from the object in the window; past the limit a sold-out SKU still says sold out", async () => {
		const vars = { RATE_LIMIT_WINDOW_SECONDS: "3", RATE_LIMIT_RESERVE: "5" };
		const sku = await createProduct({ totalStock: 2, perUserLimit: 1000 });
		const token = await newSession();
		const ip = freshIp();
		expect((await limited("GET", `/api/products/${sku}`, { ip, token, vars })).status).toBe(200);
		const key = (i: number) => ({ "idempotency-key": `window-${i}` });
		// Keyed attempts always reach the object (only it knows replays), so all five count.
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) {
			await sleep(40 + i * 17);
			const res = await limited("POST", "/api/reservations", {
				ip,
				token,
				vars,
				body: { sku },
				headers: key(i),
			});
			statuses.push(res.status);
		}
		expect(statuses).toEqual([201, 201, 409, 409, 409]);
		const refused = await limited<never>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku },
			headers: key(5),
		});
		expectRetryAfter(refused);
		// Without a key, the edge answers from its copy of a sold-out SKU: no object call, and
		// "sold out" is the true and final answer, so the session's window is not consulted.
		const plain = await limited<never>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku },
		});
		expect([409, 429]).toContain(plain.status);
		if (plain.status === 409) expect(plain.body.error?.code).toBe("sold_out");
		const s = await stats(sku);
		expect(s.rejected["rate_limited.reserve"]).toBeGreaterThanOrEqual(1);
		expect(s.rejected.sold_out).toBeGreaterThanOrEqual(3);
	});

	it("a session that never read the product gets the new tier, and the message says how to lift it", async () => {
		const vars = { RATE_LIMIT_RESERVE_NEW: "3" };
		const sku = await createProduct({ totalStock: 100, perUserLimit: 1000 });
		const token = await newSession();
		const ip = freshIp();
		for (let i = 0; i < 3; i++) {
			await sleep(30 + i * 40);
			expect(
				(await limited("POST", "/api/reservations", { ip, token, vars, body: { sku } })).status,
			).toBe(201);
		}
		const refused = await limited<never>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku },
		});
		expectRetryAfter(refused);
		expect(refused.body.error?.message).toContain("has not viewed this product");
		expect(
			(await limited("GET", `/api/products/${sku}/availability`, { ip, token, vars })).status,
		).toBe(200);
		expect(
			(await limited("POST", "/api/reservations", { ip, token, vars, body: { sku } })).status,
		).toBe(201);
		expect((await stats(sku)).rejected["rate_limited.reserve_new"]).toBe(1);
	});

	it("one session's limit does not touch another's on the same IP, and reserve attempts do not spend the IP's writes", async () => {
		const vars = { RATE_LIMIT_RESERVE: "3", RATE_LIMIT_RESERVE_NEW: "3", RATE_LIMIT_WRITES: "2" };
		const sku = await createProduct({ totalStock: 100, perUserLimit: 1000 });
		const ip = freshIp();
		const [a, b] = [await newSession(), await newSession()];
		for (let i = 0; i < 3; i++) {
			expect(
				(await limited("POST", "/api/reservations", { ip, token: a, vars, body: { sku } })).status,
			).toBe(201);
		}
		expectRetryAfter(
			await limited("POST", "/api/reservations", { ip, token: a, vars, body: { sku } }),
		);
		for (let i = 0; i < 3; i++) {
			expect(
				(await limited("POST", "/api/reservations", { ip, token: b, vars, body: { sku } })).status,
			).toBe(201);
		}
	});

	it("a scripted client with exact 100 ms intervals is tiered down; a human-like one is not", async () => {
		const sku = await createProduct({ totalStock: 1000, perUserLimit: 1000 });
		const [bot, human] = [await newSession(), await newSession()];
		const ip = freshIp();
		await limited("GET", `/api/products/${sku}`, { ip, token: bot });
		await limited("GET", `/api/products/${sku}`, { ip, token: human });
		const start = Date.now();
		const botStatuses: number[] = [];
		for (let i = 0; i < 60; i++) {
			// Exact schedule: each send at start + i × 100 ms, whatever the last one took.
			await sleep(Math.max(0, start + i * 100 - Date.now()));
			botStatuses.push(
				(await limited("POST", "/api/reservations", { ip, token: bot, body: { sku } })).status,
			);
		}
		// Judged once 30 gaps are in; a timer hiccup on this shared machine may delay the verdict a little.
		const firstRefused = botStatuses.indexOf(429);
		expect(firstRefused).toBeGreaterThanOrEqual(30);
		expect(firstRefused).toBeLessThan(60);
		expect(botStatuses.slice(0, firstRefused).every((s) => s === 201)).toBe(true);
		const refused = await limited<never>("POST", "/api/reservations", {
			ip,
			token: bot,
			body: { sku },
		});
		expectRetryAfter(refused);
		expect(refused.body.error?.message).toContain("machine-regular");
		for (const gap of humanGaps(45, 3, 20, 250)) {
			await sleep(gap);
			expect(
				(await limited("POST", "/api/reservations", { ip, token: human, body: { sku } })).status,
			).toBe(201);
		}
		expect((await stats(sku)).rejected["rate_limited.reserve_suspected"]).toBeGreaterThanOrEqual(2);
	});
});

describe("per-IP limits", () => {
	it("a second reset within the window is 429; after the window passes a reset works again", async () => {
		const vars = { RATE_LIMIT_WINDOW_SECONDS: "2" };
		const sku = await createProduct();
		const ip = freshIp();
		const reset = () =>
			limited("POST", `/api/admin/products/${sku}/reset`, { ip, token: "test-admin-token", vars });
		expect((await reset()).status).toBe(200);
		const refused = await reset();
		const seconds = expectRetryAfter(refused);
		expect(seconds).toBeLessThanOrEqual(2);
		// Counted in the SKU's stats (a reset clears them, so read them before the next one).
		expect((await stats(sku)).rejected["rate_limited.reset"]).toBe(1);
		// Another IP is not affected.
		expect(
			(
				await limited("POST", `/api/admin/products/${sku}/reset`, {
					ip: freshIp(),
					token: "test-admin-token",
					vars,
				})
			).status,
		).toBe(200);
		await sleep(seconds * 1000);
		expect((await reset()).status).toBe(200);
	});

	it("reads per IP: the limit refuses with an honest Retry-After, other IPs read on, and the bucket refills", async () => {
		const vars = { RATE_LIMIT_WINDOW_SECONDS: "1", RATE_LIMIT_READS: "5" };
		const sku = await createProduct();
		const ip = freshIp();
		for (let i = 0; i < 5; i++)
			expect((await limited("GET", `/api/products/${sku}`, { ip, vars })).status).toBe(200);
		const refused = await limited<never>("GET", `/api/products/${sku}`, { ip, vars });
		expect(expectRetryAfter(refused)).toBe(1);
		expect(refused.body.error?.message).toContain("5 reads per 1 s");
		expect((await limited("GET", `/api/products/${sku}`, { ip: freshIp(), vars })).status).toBe(
			200,
		);
		await sleep(1000);
		expect((await limited("GET", `/api/products/${sku}`, { ip, vars })).status).toBe(200);
	});

	it("writes and session creation per IP; refusals that belong to no SKU are in GET /api/admin/limits", async () => {
		const ip = freshIp();
		const create = (vars: Record<string, string>) =>
			limited("POST", "/api/sessions", { ip, vars, body: { turnstileToken: "test-debug-token" } });
		const sessionsVars = { RATE_LIMIT_SESSIONS: "2", RATE_LIMIT_WRITES: "100" };
		expect((await create(sessionsVars)).status).toBe(201);
		expect((await create(sessionsVars)).status).toBe(201);
		const refused = await create(sessionsVars);
		expectRetryAfter(refused);
		expect(refused.body.error?.message).toContain("new sessions per 60 s");
		const other = freshIp();
		const writesVars = { RATE_LIMIT_WRITES: "1" };
		expect(
			(
				await limited("POST", "/api/sessions", {
					ip: other,
					vars: writesVars,
					body: { turnstileToken: "test-debug-token" },
				})
			).status,
		).toBe(201);
		const writeRefused = await limited<never>("DELETE", "/api/reservations/rsv_x~NOPE", {
			ip: other,
			vars: writesVars,
		});
		expectRetryAfter(writeRefused);
		expect(writeRefused.body.error?.message).toContain("1 write request per 60 s");
		// Reserve attempts without a valid session are charged to the IP's writes (token guessing stays bounded).
		const guesser = freshIp();
		const guess = () =>
			limited("POST", "/api/reservations", {
				ip: guesser,
				token: "0".repeat(64),
				vars: { RATE_LIMIT_WRITES: "2" },
				body: { sku: "X" },
			});
		expect((await guess()).status).toBe(401);
		expect((await guess()).status).toBe(401);
		expectRetryAfter(await guess());
		const totals = await limited<{ enabled: boolean; rejected: Record<string, number> }>(
			"GET",
			"/api/admin/limits",
			{
				ip: freshIp(),
				token: "test-admin-token",
			},
		);
		expect(totals.status).toBe(200);
		expect(totals.body.data?.enabled).toBe(true);
		expect(totals.body.data?.rejected["rate_limited.sessions"]).toBeGreaterThanOrEqual(1);
		expect(totals.body.data?.rejected["rate_limited.ip_writes"]).toBeGreaterThanOrEqual(1);
	});
});

describe("RATE_LIMITS=off", () => {
	it("2,000 attempts from one session, back to back, all get their real outcome (speed is the bench's to measure)", async () => {
		const sku = await createProduct({ totalStock: 1000, perUserLimit: 1000 });
		const token = await newSession();
		const ip = freshIp();
		const vars = { RATE_LIMITS: "off" };
		const counts: Record<number, number> = {};
		for (let batch = 0; batch < 40; batch++) {
			const answers = await Promise.all(
				Array.from({ length: 50 }, () =>
					limited("POST", "/api/reservations", { ip, token, vars, body: { sku } }),
				),
			);
			for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
		}
		expect(counts).toEqual({ 201: 1000, 409: 1000 });
	});
});
