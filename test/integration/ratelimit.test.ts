// Rate limits end to end inside workerd: real Worker, real SKU objects, real
// limiter object, RATE_LIMITS=on. Where time passes, the request clock plays it
// (each call names its moment, test/support/clock.ts): the default one-minute
// windows, no waiting, and the same verdicts however busy the machine is. The
// tests without `atMs` run on the runtime's own clocks, with windows long
// enough that nothing they assert depends on speed. Each test uses its own IPs,
// sessions and SKU.
import { describe, expect, it } from "vitest";
import { REGULAR_GAPS } from "../../src/domain/botsignals.ts";
import { TEST_CLOCK_HEADER } from "../../src/ratelimit/config.ts";
import { TestClock } from "../support/clock.ts";
import { irregularGapsMs, offsetsMs } from "../support/random.ts";
import { createProduct, newSession } from "./helpers.ts";
import { freshIp, type LimitedCall, limited, readerOf } from "./ratelimit-support.ts";

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

/** An operator's reset of `sku` from `ip`. */
function resetFrom(sku: string, ip: string, options: Omit<LimitedCall, "ip" | "token"> = {}) {
	return limited("POST", `/api/admin/products/${sku}/reset`, {
		ip,
		token: "test-admin-token",
		...options,
	});
}

describe("per-session reserve limit", () => {
	it("an eager person gets 20 real outcomes in the window, the 21st is 429, and retrying after Retry-After succeeds", async () => {
		const vars = { RATE_LIMIT_RESERVE: "20" };
		// Looks at the product first (with the session token: the "prior read").
		const { sku, token, ip, clock } = await readerOf(30, vars);
		const reserve = (atMs: number) =>
			limited<never>("POST", "/api/reservations", { ip, token, vars, body: { sku }, atMs });
		const statuses: number[] = [];
		for (const at of offsetsMs(irregularGapsMs(20, 11, 40, 160), clock.nowMs)) {
			statuses.push((await reserve(at)).status);
		}
		// Real outcomes: twenty holds (stock is left, so only the limit can refuse the 21st).
		expect(statuses).toEqual(Array(20).fill(201));
		const refused = await reserve(clock.advance(5_000));
		const seconds = expectRetryAfter(refused);
		expect(seconds).toBeLessThanOrEqual(61);
		expect(refused.body.error?.message).toContain("20 reservation attempts per 60 s");
		// A second early: still refused (Retry-After is honest, not early).
		expect((await reserve(clock.nowMs + seconds * 1000 - 2_000)).status).toBe(429);
		const again = await reserve(clock.advance(seconds * 1000));
		expect(again.status).toBe(201);
		const s = await stats(sku);
		expect(s.rejected["rate_limited.reserve"]).toBe(2);
		expect(s.reserved).toBe(21);
	});

	it("counts sold-out answers from the object in the window; past the limit a sold-out SKU still says sold out", async () => {
		const vars = { RATE_LIMIT_RESERVE: "5" };
		const { sku, token, ip, clock } = await readerOf(2, vars);
		const key = (i: number) => ({ "idempotency-key": `window-${i}` });
		// Keyed attempts always reach the object (only it knows replays), so all five count.
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await limited("POST", "/api/reservations", {
				ip,
				token,
				vars,
				body: { sku },
				headers: key(i),
				atMs: clock.advance(40 + i * 17),
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
			atMs: clock.advance(100),
		});
		expectRetryAfter(refused);
		// Without a key, the edge answers from its copy of a sold-out SKU: no object call, and
		// "sold out" is the true and final answer, so the session's window is not consulted.
		const plain = await limited<never>("POST", "/api/reservations", {
			ip,
			token,
			vars,
			body: { sku },
			atMs: clock.advance(100),
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
		const clock = new TestClock();
		const reserve = () =>
			limited<never>("POST", "/api/reservations", {
				ip,
				token,
				vars,
				body: { sku },
				atMs: clock.advance(150),
			});
		for (let i = 0; i < 3; i++) expect((await reserve()).status).toBe(201);
		const refused = await reserve();
		expectRetryAfter(refused);
		expect(refused.body.error?.message).toContain("has not viewed this product");
		expect(
			(
				await limited("GET", `/api/products/${sku}/availability`, {
					ip,
					token,
					vars,
					atMs: clock.advance(150),
				})
			).status,
		).toBe(200);
		expect((await reserve()).status).toBe(201);
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
		const clock = new TestClock();
		const start = clock.nowMs;
		await limited("GET", `/api/products/${sku}`, { ip, token: bot, atMs: start });
		await limited("GET", `/api/products/${sku}`, { ip, token: human, atMs: start });
		const reserve = (token: string, atMs: number) =>
			limited<never>("POST", "/api/reservations", { ip, token, body: { sku }, atMs });
		const botStatuses: number[] = [];
		// Exact schedule: a send every 100 ms.
		for (let i = 1; i <= 40; i++) botStatuses.push((await reserve(bot, start + i * 100)).status);
		// Judged once REGULAR_GAPS gaps are in: the attempt that completes them is the first refused
		// (the suspected tier allows 1 a window, and the window already holds 30).
		expect(botStatuses.indexOf(429)).toBe(REGULAR_GAPS);
		expect(botStatuses.slice(0, REGULAR_GAPS)).toEqual(Array(REGULAR_GAPS).fill(201));
		expect(botStatuses.slice(REGULAR_GAPS)).toEqual(Array(40 - REGULAR_GAPS).fill(429));
		const refused = await reserve(bot, start + 41 * 100);
		expectRetryAfter(refused);
		expect(refused.body.error?.message).toContain("machine-regular");
		for (const at of offsetsMs(irregularGapsMs(45, 3, 20, 250), start)) {
			expect((await reserve(human, at)).status).toBe(201);
		}
		expect((await stats(sku)).rejected["rate_limited.reserve_suspected"]).toBeGreaterThanOrEqual(2);
	});
});

describe("per-IP limits", () => {
	it("a second reset within the window is 429; after the window passes a reset works again", async () => {
		const sku = await createProduct();
		const ip = freshIp();
		const clock = new TestClock();
		const reset = (atMs: number) => resetFrom(sku, ip, { atMs });
		expect((await reset(clock.nowMs)).status).toBe(200);
		const refused = await reset(clock.advance(1_000));
		const seconds = expectRetryAfter(refused);
		expect(seconds).toBe(59);
		// Counted in the SKU's stats (a reset clears them, so read them before the next one).
		expect((await stats(sku)).rejected["rate_limited.reset"]).toBe(1);
		// Another IP is not affected.
		expect((await resetFrom(sku, freshIp(), { atMs: clock.nowMs })).status).toBe(200);
		expect((await reset(clock.nowMs + seconds * 1000 - 1_000)).status).toBe(429);
		expect((await reset(clock.advance(seconds * 1000))).status).toBe(200);
	});

	it("reads per IP: the limit refuses with an honest Retry-After, other IPs read on, and the bucket refills", async () => {
		const vars = { RATE_LIMIT_WINDOW_SECONDS: "1", RATE_LIMIT_READS: "5" };
		const sku = await createProduct();
		const ip = freshIp();
		const clock = new TestClock();
		const read = (from: string, atMs: number) =>
			limited<never>("GET", `/api/products/${sku}`, { ip: from, vars, atMs });
		for (let i = 0; i < 5; i++) expect((await read(ip, clock.nowMs)).status).toBe(200);
		const refused = await read(ip, clock.nowMs);
		// One token back every 200 ms: the honest wait rounds up to a whole second.
		expect(expectRetryAfter(refused)).toBe(1);
		expect(refused.body.error?.message).toContain("5 reads per 1 s");
		expect((await read(freshIp(), clock.nowMs)).status).toBe(200);
		expect((await read(ip, clock.nowMs + 199)).status).toBe(429);
		expect((await read(ip, clock.advance(200))).status).toBe(200);
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

	it("the operator's token is not starved by anonymous traffic from its address; a wrong token is charged and refused", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const ip = freshIp();
		const vars = { RATE_LIMIT_WRITES: "2", RATE_LIMIT_READS: "2" };
		// Anonymous clients behind the operator's address spend its writes and reads.
		for (let i = 0; i < 2; i++) {
			const gone = await limited<never>("DELETE", "/api/reservations/rsv_x~NOPE", { ip, vars });
			expect(gone.status).toBe(401);
			expect((await limited("GET", `/api/products/${sku}`, { ip, vars })).status).toBe(200);
		}
		expectRetryAfter(await limited<never>("DELETE", "/api/reservations/rsv_x~NOPE", { ip, vars }));
		expectRetryAfter(await limited("GET", `/api/products/${sku}`, { ip, vars }));
		// The operator, with the token, still pauses the drop, reads its stats and makes a session.
		const operator = { ip, vars, token: "test-admin-token" };
		const paused = await limited<{ totalStock: number }>("PATCH", `/api/admin/products/${sku}`, {
			...operator,
			body: { totalStock: 4 },
		});
		expect(paused.status).toBe(200);
		expect(paused.body.data?.totalStock).toBe(4);
		expect((await limited("GET", `/api/admin/products/${sku}/stats`, operator)).status).toBe(200);
		expect(
			(await limited("POST", "/api/admin/sessions", { ...operator, body: { count: 1 } })).status,
		).toBe(201);
		// A wrong or missing token is an anonymous request: out of budget, 429, and nothing changed.
		for (const token of ["not-the-admin-token", undefined]) {
			const guess = await limited<never>("PATCH", `/api/admin/products/${sku}`, {
				ip,
				vars,
				...(token === undefined ? {} : { token }),
				body: { totalStock: 3 },
			});
			expectRetryAfter(guess);
		}
		// Anonymous traffic is still limited after the operator's calls.
		expectRetryAfter(await limited<never>("DELETE", "/api/reservations/rsv_x~NOPE", { ip, vars }));
		const product = await limited<{ totalStock: number }>("GET", `/api/products/${sku}`, {
			ip: freshIp(),
		});
		expect(product.body.data?.totalStock).toBe(4);
	});
});

describe("the request clock (tests only)", () => {
	it("a malformed time is 400 naming the header; without the variable the header changes nothing, and production refuses the variable", async () => {
		const sku = await createProduct();
		const bad = await limited<never>("GET", `/api/products/${sku}`, {
			ip: freshIp(),
			vars: { RATE_LIMIT_CLOCK: "request" },
			headers: { [TEST_CLOCK_HEADER]: "soon" },
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error?.code).toBe("invalid_request");
		expect(bad.body.error?.message).toContain(TEST_CLOCK_HEADER);
		// Without RATE_LIMIT_CLOCK the runtime's clocks judge: naming a moment two minutes later
		// does not pass the one-reset-a-minute limit.
		const ip = freshIp();
		const clock = new TestClock();
		const reset = (atMs: number) => resetFrom(sku, ip, { headers: clock.header(atMs) });
		expect((await reset(clock.nowMs)).status).toBe(200);
		expectRetryAfter(await reset(clock.advance(120_000)));
		// A production deployment with the variable set is refused as a whole, naming it.
		const production = await limited<never>("GET", `/api/products/${sku}`, {
			ip: freshIp(),
			vars: { RATE_LIMIT_CLOCK: "request", ENVIRONMENT: "production" },
		});
		expect(production.status).toBe(503);
		expect(production.body.error?.code).toBe("unavailable");
		expect(production.body.error?.message).toContain("RATE_LIMIT_CLOCK");
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
