// `npm run verify-queue` against an `npm start` server (docs/waiting-room.md,
// "Verifying a drop"): a room with a pre-queue, the start, admissions by stock,
// a reserve and a lapse-free run; the verifier recomputes the shuffle from the
// revealed seed and the ticket list and finds the admissions in that order —
// for a SKU in one object and for one split across 4 shards, whose one queue
// lives in the coordinator (docs/waiting-room.md, "Where the queue lives"). And what it
// cannot verify is "could not run" (exit 2, one sentence naming why), never a mismatch:
// a SKU whose room was never enabled, a server that does not answer, a missing or bad argument.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUED_MEMO_MS } from "../../src/domain/bounds.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { freePort, runCommand } from "../support/proc.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUYERS = 8;
const VERIFY_TIMEOUT_MS = 60_000;
/** Far enough that no run reaches it before the operator moves the start. */
const PRE_QUEUE_HOLD_MS = 3_600_000;
/** The moved start: ahead of now by more than a shard repeats a refusal (QUEUED_MEMO_MS). */
const START_LEAD_MS = QUEUED_MEMO_MS + 300;

const verifyQueue = (args: string[]) =>
	runCommand("npm", ["run", "--silent", "verify-queue", "--", ...args], {
		cwd: ROOT,
		timeoutMs: VERIFY_TIMEOUT_MS,
	});

describe("npm run verify-queue", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it.each([1, 4])(
		"recomputes the shuffle from the revealed seed and finds every admission at the front (shards: %i)",
		async (shards) => {
			const sku = `WRV-${crypto.randomUUID().slice(0, 8)}`;
			const buyers: string[] = [];
			for (let i = 0; i < BUYERS; i++) buyers.push(await newBuyer(server));
			// The start is an hour away while the joins and the early verification run (spawning
			// the verifier can take seconds on a loaded machine), then the operator moves it to now.
			const startsAtMs = Date.now() + PRE_QUEUE_HOLD_MS;
			const created = await api<Product>(server, "POST", "/api/admin/products", {
				token: server.adminToken,
				body: {
					sku,
					name: "Verified drop",
					priceCents: 100,
					currency: "USD",
					totalStock: 3,
					startsAt: new Date(startsAtMs).toISOString(),
					waitingRoom: { enabled: true, overbook: 0 },
					shards,
				},
			});
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			for (const token of buyers) {
				const joined = await api<Ticket>(server, "POST", `/api/products/${sku}/queue`, { token });
				expect(joined.status).toBe(201);
			}
			const run = () =>
				runCommand(
					"npm",
					[
						"run",
						"--silent",
						"verify-queue",
						"--",
						"--url",
						server.url,
						"--sku",
						sku,
						"--admin-token",
						server.adminToken,
					],
					{ cwd: ROOT, timeoutMs: VERIFY_TIMEOUT_MS },
				);
			// Before the start: the commitment is there, the seed is not; nothing to contradict.
			const early = await run();
			expect(early.code, early.stdout + early.stderr).toBe(0);
			expect(early.stdout).toContain("(not revealed yet)");

			const movedStartMs = Date.now() + START_LEAD_MS;
			const moved = await api<Product>(server, "PATCH", `/api/admin/products/${sku}`, {
				token: server.adminToken,
				body: { startsAt: new Date(movedStartMs).toISOString() },
			});
			expect(moved.status, JSON.stringify(moved.body)).toBe(200);
			await sleep(movedStartMs - Date.now() + 200);
			const tickets = await Promise.all(
				buyers.map(
					async (token) =>
						(await api<Ticket>(server, "GET", `/api/products/${sku}/queue`, { token })).body
							.data as Ticket,
				),
			);
			const admitted = buyers.filter((_, i) => tickets[i]?.state === "admitted");
			expect(admitted).toHaveLength(3);
			const hold = await api(server, "POST", "/api/reservations", {
				token: admitted[0],
				body: { sku, quantity: 1 },
			});
			expect(hold.status).toBe(201);

			const verified = await run();
			expect(verified.code, verified.stdout + verified.stderr).toBe(0);
			expect(verified.stdout).toContain("VERIFIED");
			expect(verified.stdout).toContain(`tickets ${BUYERS} (pre-queue ${BUYERS}), admissions 3`);
		},
	);

	it("needs no token (the room's public trail); after a reset names the earlier drop it skipped, and verifies it with --drop", async () => {
		const sku = `WRD-${crypto.randomUUID().slice(0, 8)}`;
		const buyers: string[] = [];
		for (let i = 0; i < 3; i++) buyers.push(await newBuyer(server));
		const created = await api<Product>(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: {
				sku,
				name: "Two drops",
				priceCents: 100,
				currency: "USD",
				totalStock: 2,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
				waitingRoom: { enabled: true, overbook: 0 },
			},
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		for (const token of buyers) {
			const joined = await api<Ticket>(server, "POST", `/api/products/${sku}/queue`, { token });
			expect(joined.status).toBe(201);
		}
		const movedStartMs = Date.now() + START_LEAD_MS;
		const moved = await api<Product>(server, "PATCH", `/api/admin/products/${sku}`, {
			token: server.adminToken,
			body: { startsAt: new Date(movedStartMs).toISOString() },
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		await sleep(movedStartMs - Date.now() + 200);
		const states = await Promise.all(
			buyers.map(
				async (token) =>
					(await api<Ticket>(server, "GET", `/api/products/${sku}/queue`, { token })).body.data
						?.state,
			),
		);
		expect(states.filter((s) => s === "admitted")).toHaveLength(2);
		const reset = await api(server, "POST", `/api/admin/products/${sku}/reset`, {
			token: server.adminToken,
		});
		expect(reset.status, JSON.stringify(reset.body)).toBe(200);

		const base = ["--url", server.url, "--sku", sku];
		const last = await verifyQueue(base);
		expect(last.code, last.stdout + last.stderr).toBe(0);
		expect(last.stdout).toContain(`sku ${sku}, drop 2 of 2: VERIFIED`);
		expect(last.stdout).toContain("tickets 0 (pre-queue 0), admissions 0");
		expect(last.stdout).toContain("drops in the trail: 2; skipped 1");
		const first = await verifyQueue([...base, "--drop", "1"]);
		expect(first.code, first.stdout + first.stderr).toBe(0);
		expect(first.stdout).toContain(`sku ${sku}, drop 1 of 2: VERIFIED`);
		expect(first.stdout).toContain("tickets 3 (pre-queue 3), admissions 2");
		expect(first.stdout).toContain("skipped 2");
		const all = await verifyQueue([...base, "--drop", "all", "--json"]);
		expect(all.code, all.stdout + all.stderr).toBe(0);
		const line = JSON.parse(all.stdout.trim().split("\n").at(-1) ?? "") as {
			ok: boolean;
			drops: number;
			skipped: number[];
			results: { drop: number; ok: boolean; tickets: number }[];
		};
		expect(line).toMatchObject({ ok: true, drops: 2, skipped: [] });
		expect(line.results.map((r) => [r.drop, r.ok, r.tickets])).toEqual([
			[1, true, 3],
			[2, true, 0],
		]);
		const none = await verifyQueue([...base, "--drop", "3"]);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain("holds 2 drops: there is no drop 3");
	});

	it("calls a SKU whose room was never enabled 'could not run' (exit 2), not a mismatch", async () => {
		const sku = `WRN-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api<Product>(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: { sku, name: "No room", priceCents: 100, currency: "USD", totalStock: 3 },
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const args = ["--url", server.url, "--sku", sku, "--admin-token", server.adminToken];
		const plain = await verifyQueue(args);
		expect(plain.code, plain.stdout + plain.stderr).toBe(2);
		expect(plain.stderr).toContain(`${sku} has no waiting room`);
		expect(plain.stdout).not.toContain("NOT VERIFIED");
		const json = await verifyQueue([...args, "--json"]);
		expect(json.code).toBe(2);
		const last = JSON.parse(json.stdout.trim().split("\n").at(-1) ?? "") as { error: string };
		expect(last.error).toContain("has no waiting room");
	});

	it("names an unknown SKU and a refused token (exit 2)", async () => {
		const sku = `WRX-${crypto.randomUUID().slice(0, 8)}`;
		const unknown = await verifyQueue(["--url", server.url, "--sku", sku]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain(`/api/products/${sku} answered HTTP 404`);
		const refused = await verifyQueue([
			"--url",
			server.url,
			"--sku",
			"DEMO-SNEAKER",
			"--admin-token",
			"not-the-token",
		]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain("the admin token was refused (403");
	});
});

describe("npm run verify-queue that cannot run", () => {
	it("says it cannot reach a server that is down, naming the URL (exit 2)", async () => {
		const url = `http://127.0.0.1:${await freePort()}`;
		const run = await verifyQueue(["--url", url, "--sku", "ANY", "--admin-token", "t"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`cannot reach ${url}/api/products/ANY (connect ECONNREFUSED`);
		expect(run.stderr).not.toContain("fetch failed");
	});

	it("names the missing or malformed argument (exit 2)", async () => {
		const noSku = await verifyQueue(["--url", "http://127.0.0.1:1", "--admin-token", "t"]);
		expect(noSku.code).toBe(2);
		expect(noSku.stderr).toContain("verify-queue: --sku is required");
		const badUrl = await verifyQueue(["--url", "notaurl", "--sku", "X", "--admin-token", "t"]);
		expect(badUrl.code).toBe(2);
		expect(badUrl.stderr).toContain('--url must be http(s)://host[:port], got "notaurl"');
		const unknown = await verifyQueue(["--sku", "X", "--bogus"]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain("Unknown option '--bogus'");
		expect(unknown.stderr).toContain("usage: npm run verify-queue");
	});
});
