// `npm run verify-queue` against an `npm start` server (docs/waiting-room.md,
// "Verifying a drop"): a room with a pre-queue, the start, admissions by stock,
// a reserve and a lapse-free run; the verifier recomputes the shuffle from the
// revealed seed and the ticket list and finds the admissions in that order —
// for a SKU in one object and for one split across 4 shards, whose one queue
// lives in the coordinator (docs/waiting-room.md, "Where the queue lives").
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUED_MEMO_MS } from "../../src/domain/bounds.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { runCommand } from "../support/proc.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUYERS = 8;
const VERIFY_TIMEOUT_MS = 60_000;
/** Far enough that no run reaches it before the operator moves the start. */
const PRE_QUEUE_HOLD_MS = 3_600_000;
/** The moved start: ahead of now by more than a shard repeats a refusal (QUEUED_MEMO_MS). */
const START_LEAD_MS = QUEUED_MEMO_MS + 300;

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
});
