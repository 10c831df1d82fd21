// The drop simulator against an `npm start` that is killed (kill -9 of its whole process
// group) in the middle of the burst, or while the run waits for its holds to expire, or in
// the middle of a fairness run's sale (--bots): the run notices the server is gone
// (cli/drop/server-watch.ts) and stops at once, exit 3, saying so and naming the phase and the
// SKU it leaves in the catalogue; it does not settle, wait out its 300 s holds, go on selling
// to nobody or read records from nobody
// (docs/decisions/076-drop-and-verify-queue-when-the-server-goes.md,
// docs/decisions/083-fairness-runs-and-stripe-minimums.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Availability, Product } from "../../src/shared/types.ts";
import { dropArgs, lastJson, runDrop } from "../support/drop.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

/** Holds far longer than the run may take: a run that waited them out would be killed by RUN_TIMEOUT_MS. */
const HOLD_SECONDS = 300;
/** Only catches a run that did not stop (it would wait out HOLD_SECONDS). */
const RUN_TIMEOUT_MS = 150_000;
const POLL_MS = 50;

type Cut = {
	verified: false;
	sku: string;
	phase: string;
	error: string;
	attempts: number;
	holds: number;
};

describe("npm run drop when the server dies mid-burst", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it(
		"stops at once with exit 3, naming the crash and the SKU it leaves",
		async () => {
			const run = runDrop(
				[
					...dropArgs({
						url: server.url,
						stock: 300,
						attempts: 3_000,
						buyers: 300,
						perUserLimit: 2,
						holdSeconds: HOLD_SECONDS,
					}),
					...["--admin-token", server.adminToken, "--no-report", "--max-seconds", "600"],
					...["--seed", "11", "--json"],
				],
				RUN_TIMEOUT_MS,
			);
			// The burst has begun once the drop's SKU has a hold.
			let sku: string | null = null;
			for (;;) {
				if (sku === null) {
					const listed = await api<{ products: Product[] }>(server, "GET", "/api/products");
					sku = listed.body.data?.products.find((p) => p.sku.startsWith("DROP-"))?.sku ?? null;
				} else {
					const a = await api<Availability>(server, "GET", `/api/products/${sku}/availability`);
					if ((a.body.data?.reserved ?? 0) > 0) break;
				}
				await sleep(POLL_MS);
			}
			await server.crash();

			const done = await run;
			const result = lastJson<Cut>(done);
			expect(done.code, done.stderr).toBe(3);
			expect(result.verified).toBe(false);
			expect(result.sku).toBe(sku);
			expect(result.phase).toBe("burst");
			expect(result.error).toContain("the server stopped answering");
			expect(result.error).toContain(`${sku} was created and stays in the catalogue`);
			expect(result.attempts).toBeGreaterThan(0);
			expect(result.holds).toBeGreaterThan(0);
			// Nothing after the burst ran against the dead server.
			expect(done.stderr).not.toContain("expiry:");
			expect(done.stderr).not.toContain("records:");
			expect(done.stderr).toContain("the server stopped answering");
		},
		RUN_TIMEOUT_MS + 30_000,
	);

	it(
		"stops the expiry wait at once when the server dies during it",
		async () => {
			const waiting = await startServer();
			try {
				let crashed: Promise<void> | null = null;
				const done = await runDrop(
					[
						...dropArgs({
							url: waiting.url,
							stock: 20,
							attempts: 60,
							buyers: 20,
							perUserLimit: 1,
							holdSeconds: HOLD_SECONDS,
							concurrency: 8,
						}),
						// Every hold is left to expire: the run's last phase before the records is the wait.
						...["--checkout-rate", "0", "--cancel-rate", "0", "--decline-rate", "0"],
						...["--admin-token", waiting.adminToken, "--no-report", "--max-seconds", "600"],
						...["--seed", "12", "--json"],
					],
					RUN_TIMEOUT_MS,
					(chunk) => {
						// The progress line of the wait (a line every 2 s off a terminal: cli/drop/progress.ts).
						if (crashed === null && chunk.includes("expiry:")) crashed = waiting.crash();
					},
				);
				expect(crashed, done.stderr).not.toBeNull();
				await crashed;
				const result = lastJson<Cut>(done);
				expect(done.code, done.stderr).toBe(3);
				expect(result.phase).toBe("settle");
				expect(result.error).toContain("the server stopped answering");
				expect(result.error).toContain(`${result.sku} was created and stays in the catalogue`);
				expect(result.holds).toBeGreaterThan(0);
				expect(done.stderr).not.toContain("records:");
			} finally {
				await waiting.dispose();
			}
		},
		RUN_TIMEOUT_MS + 30_000,
	);
});

describe("npm run drop -- --bots when the server dies mid-sale", () => {
	it(
		"stops at once with exit 3, naming the phase and the fairness drop's SKU",
		async () => {
			const server = await startServer({ env: { RATE_LIMITS: "on" } });
			try {
				const run = runDrop(
					[
						...["--url", server.url, "--admin-token", server.adminToken, "--bots", "0.8"],
						...["--room", "on", "--buyers", "40", "--stock", "8"],
						...["--json", "--no-report", "--seed", "13"],
					],
					RUN_TIMEOUT_MS,
				);
				// The sale has begun once the fairness drop's SKU has a hold or an order.
				let sku: string | null = null;
				for (;;) {
					if (sku === null) {
						const listed = await api<{ products: Product[] }>(server, "GET", "/api/products");
						sku = listed.body.data?.products.find((p) => p.sku.startsWith("FAIR-"))?.sku ?? null;
					} else {
						const a = await api<Availability>(server, "GET", `/api/products/${sku}/availability`);
						if ((a.body.data?.available ?? 8) < 8) break;
					}
					await sleep(POLL_MS);
				}
				await server.crash();

				const done = await run;
				const result = lastJson<Cut & { runs: unknown[] }>(done);
				// Before the run was watched it sold to nobody until its own 90 s limit, then
				// failed to read the stats and ended exit 1, a run "not verified".
				expect(done.code, done.stderr).toBe(3);
				expect(result.verified).toBe(false);
				expect(result.sku).toBe(sku);
				expect(result.phase).toBe("burst");
				expect(result.error).toContain("the server stopped answering");
				expect(result.error).toContain("fairness run with the waiting room on");
				expect(result.error).toContain(`${sku} was created and stays in the catalogue`);
				expect(result.runs).toEqual([]);
				expect(done.stderr).toContain("the server stopped answering");
			} finally {
				await server.dispose();
			}
		},
		RUN_TIMEOUT_MS + 30_000,
	);
});
