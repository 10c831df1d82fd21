// The drop simulator against a plain `npm start` with its rate limits ON (the
// default): buyers' sessions issued by the operator (POST /api/admin/sessions),
// buyers who read the product and pause like people, a drop verified from the
// server's records with zero oversell and every 429 reported. And the preflight:
// a run that fails it (operator token refused, session endpoint down, public
// door refused) stops before the SKU exists, so the catalogue shows nothing of it.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { dropArgs, lastJson, runDrop, verifiedResult } from "../support/drop.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

/** The drop's shape (test/support/drop.ts dropArgs). */
const DROP = {
	stock: 300,
	attempts: 3_000,
	/** Twice the buyers the stock needs at perUserLimit, each making ten attempts or so. */
	buyers: 300,
	perUserLimit: 2,
	/** Longer than the burst (no unit is held twice); every hold is paid or cancelled, none waits to expire. */
	holdSeconds: 300,
};
/** The run bounds itself (--max-seconds); this only catches a hung child. */
const RUN_TIMEOUT_MS = 170_000;
const PREFLIGHT_TIMEOUT_MS = 60_000;
/** Cloudflare's "always fails" Turnstile test secret (src/worker/turnstile-emulation.ts): the public door refuses. */
const FAILING_TURNSTILE_SECRET = "2x0000000000000000000000000000000AA";

type NoRun = { verified: false; error: string };

describe("npm run drop against npm start with rate limits on", () => {
	let server: TestServer;
	beforeAll(async () => {
		// Only DEBUG_TOKEN opens the public door here; the operator's sessions do not need it.
		server = await startServer({
			env: { RATE_LIMITS: "on", TURNSTILE_SECRET_KEY: FAILING_TURNSTILE_SECRET },
		});
	});
	afterAll(async () => {
		await server?.dispose();
	});

	const dropSkus = async (): Promise<string[]> => {
		const listed = await api<{ products: Product[] }>(server, "GET", "/api/products");
		expect(listed.status).toBe(200);
		return (listed.body.data?.products ?? [])
			.map((p) => p.sku)
			.filter((s) => s.startsWith("DROP-"));
	};
	const baseArgs = (url: string) => [
		...["--url", url, "--stock", "10", "--attempts", "20", "--buyers", "5"],
		...["--no-report", "--max-seconds", "50", "--json"],
	];

	it(
		"leaves no SKU in the catalogue when the preflight fails",
		async () => {
			expect(await dropSkus()).toEqual([]);

			// The operator token is refused: checked before anything is created.
			const wrongAdmin = await runDrop(
				[...baseArgs(server.url), "--admin-token", "not-the-admin-token"],
				PREFLIGHT_TIMEOUT_MS,
			);
			expect(wrongAdmin.code).toBe(2);
			expect(lastJson<NoRun>(wrongAdmin).error).toContain("admin token was refused (403");

			// The public door refuses the sessions (Turnstile fails, no valid bypass): the sessions
			// come before the SKU, so nothing is left (the order used to be the other way round).
			const wrongDebug = await runDrop(
				[
					...baseArgs(server.url),
					...["--admin-token", server.adminToken, "--sessions", "public"],
					...["--debug-token", "not-the-debug-token"],
				],
				PREFLIGHT_TIMEOUT_MS,
			);
			expect(wrongDebug.code).toBe(2);
			expect(lastJson<NoRun>(wrongDebug).error).toContain("debug token was refused");

			// The load-test session endpoint is down behind an otherwise working target.
			const proxy = await sessionsDownProxy(server.port);
			try {
				const down = await runDrop(
					[...baseArgs(proxy.url), "--admin-token", server.adminToken],
					PREFLIGHT_TIMEOUT_MS,
				);
				expect(down.code).toBe(2);
				expect(lastJson<NoRun>(down).error).toContain(
					"issuing load-test sessions failed: HTTP 503",
				);
				expect(proxy.sessionCalls()).toBeGreaterThan(0);
			} finally {
				await proxy.close();
			}

			expect(await dropSkus()).toEqual([]);
		},
		3 * PREFLIGHT_TIMEOUT_MS,
	);

	it(
		"sells 300 units to 3,000 attempts from operator-issued sessions, verified from the records, no 429",
		async () => {
			const run = await runDrop(
				[
					...dropArgs({ url: server.url, ...DROP }),
					// No declined cards: since v1.1 a declined payment keeps its hold until it expires
					// (docs/decisions/006-failed-payments-keep-the-hold.md), which would make this run wait
					// out its holds; declines are driven in test/node/drop.test.ts.
					...["--checkout-rate", "0.7", "--cancel-rate", "0.3", "--decline-rate", "0"],
					...["--admin-token", server.adminToken, "--no-report"],
					...["--max-seconds", "150", "--seed", "7", "--json"],
				],
				RUN_TIMEOUT_MS,
			);
			const result = verifiedResult(run);
			expect(result.rateLimits).toBe(true);
			expect(result.sessions).toBe("admin");
			expect(result.pacing).toBe(true);
			expect(result.attempts).toBe(DROP.attempts);
			expect(result.holds).toBeGreaterThan(0);
			// The holds outlast the burst, so a unit is held twice only once a cancel (or a failed
			// payment) during the burst has freed it (buyers act while their hold lives, decision 115).
			expect(result.heldUnits).toBeLessThanOrEqual(
				DROP.stock + (result.settle?.freedUnitsDuringBurst ?? 0),
			);
			expect(result.sold).toBeGreaterThan(0);
			expect(result.sold).toBeLessThanOrEqual(DROP.stock);
			expect(result.codeCounts.sold_out ?? 0).toBeGreaterThan(0);
			// Every buyer read the product first, and honest load met no limit anywhere.
			expect(result.productReads).toEqual({ "200": DROP.buyers });
			expect(result.statusCounts["429"]).toBeUndefined();
			expect(
				Object.values(result.rateLimited).every((n) => n === 0),
				run.stderr,
			).toBe(true);
			expect(Object.keys(result.rejected).filter((k) => k.startsWith("rate_limited"))).toEqual([]);
			// The operator's sessions did not go through the per-IP session-creation limit.
			const limits = await api<{ enabled: boolean; rejected: Record<string, number> }>(
				server,
				"GET",
				"/api/admin/limits",
				{ token: server.adminToken },
			);
			expect(limits.body.data?.enabled).toBe(true);
			expect(limits.body.data?.rejected["rate_limited.sessions"] ?? 0).toBe(0);
		},
		RUN_TIMEOUT_MS + 10_000,
	);
});

/**
 * A proxy to the real server that answers 503 for POST /api/admin/sessions and
 * forwards everything else: a target whose session endpoint is down.
 */
async function sessionsDownProxy(
	upstreamPort: number,
): Promise<{ url: string; sessionCalls(): number; close(): Promise<void> }> {
	let calls = 0;
	const proxy: Server = createServer((req, res) => {
		if ((req.url ?? "").startsWith("/api/admin/sessions")) {
			calls++;
			req.resume();
			res.writeHead(503, { "content-type": "application/json" });
			res.end(
				JSON.stringify({ error: { code: "unavailable", message: "sessions are down (test)" } }),
			);
			return;
		}
		const upstream = request(
			{
				host: "127.0.0.1",
				port: upstreamPort,
				method: req.method,
				path: req.url,
				headers: req.headers,
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on("error", () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(upstream);
	});
	await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
	const { port } = proxy.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		sessionCalls: () => calls,
		close: () =>
			new Promise<void>((resolve) => {
				proxy.closeAllConnections();
				proxy.close(() => resolve());
			}),
	};
}
