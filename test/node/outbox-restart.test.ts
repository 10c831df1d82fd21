// Outbox rows pending at a crash reach D1 on their own after the restart, with
// no request to their SKU: the object keeps an alarm set while rows are pending
// (src/inventory/object.ts), and a Durable Object alarm survives kill -9 and
// wakes the object when the runtime comes back. The debounce timer that
// normally copies them dies with the process.
//
// The crash lands while reservations are being answered, so rows of acknowledged
// holds are still in the outbox (checked by reading D1's file with the server
// down); D1 is then watched through its file, so nothing reaches the server.
import { afterAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import { createdEvents, d1File, readOnly } from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

/** Buyers reserving at once while the crash comes. */
const BUYERS = 8;
/** How long the burst runs before the kill. */
const BURST_MS = 400;
/**
 * Bursts tried until one leaves acknowledged holds out of D1 (the flush usually lags by ~25 ms).
 * Five were all flushed in time once, with a second copy of the suite loading the machine: the
 * kill is a race the test can only retry, and each round that misses costs one restart.
 */
const MAX_ROUNDS = 15;
/** Generous: the alarm fires about a second after the restart. */
const DRAIN_DEADLINE_MS = 60_000;

function missingFromD1(stateDir: string, sku: string, acked: string[]): string[] {
	const db = readOnly(d1File(stateDir));
	try {
		const created = createdEvents(db, sku);
		return acked.filter((id) => created.get(id) !== 1);
	} finally {
		db.close();
	}
}

describe("outbox rows pending at a crash", () => {
	let server: TestServer | undefined;
	// The first server owns the state directory: the file's teardown removes it with that server
	// (test/support/node-setup.ts), whichever one is running at the end.
	afterAll(async () => {
		await server?.dispose();
	});

	it("reach D1 within seconds of the restart, without any request to their SKU", async () => {
		server = await startServer();
		const { stateDir, port } = server;
		const sku = `OUTBOX-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: {
				sku,
				name: "Outbox",
				priceCents: 100,
				currency: "USD",
				totalStock: 1_000_000,
				// No hold expires during the test: no expiry alarm wakes the object for another reason.
				holdSeconds: 3600,
				perUserLimit: 1000,
			},
		});
		expect(created.status).toBe(201);
		const minted = await api<{ sessions: { token: string }[] }>(
			server,
			"POST",
			"/api/admin/sessions",
			{ token: server.adminToken, body: { count: BUYERS } },
		);
		const tokens = (minted.body.data?.sessions ?? []).map((s) => s.token);
		expect(tokens).toHaveLength(BUYERS);

		const acked: string[] = [];
		let pending: string[] = [];
		for (let round = 1; round <= MAX_ROUNDS && pending.length === 0; round++) {
			const running = server;
			let stop = false;
			const buyers = tokens.map(async (token) => {
				while (!stop) {
					try {
						const res = await api<{ reservationId: string }>(running, "POST", "/api/reservations", {
							token,
							body: { sku },
						});
						if (res.status === 201 && res.body.data) acked.push(res.body.data.reservationId);
					} catch {
						return; // the connection died with the server
					}
				}
			});
			await sleep(BURST_MS);
			await running.crash();
			stop = true;
			await Promise.all(buyers);
			pending = missingFromD1(stateDir, sku, acked);
			// Every hold acknowledged so far is in D1: bring the server back and crash it again.
			if (pending.length === 0) server = await startServer({ stateDir, port });
		}
		expect(acked.length).toBeGreaterThan(0);
		// The precondition: acknowledged holds whose events were still in the outbox at the crash.
		expect(pending.length).toBeGreaterThan(0);
		console.log(
			`crash left ${pending.length} of ${acked.length} acknowledged holds' events in the outbox`,
		);

		server = await startServer({ stateDir, port });
		const restartedAt = Date.now();
		const deadline = restartedAt + DRAIN_DEADLINE_MS;
		let missing = missingFromD1(stateDir, sku, acked);
		while (missing.length > 0 && Date.now() < deadline) {
			await sleep(100);
			missing = missingFromD1(stateDir, sku, acked);
		}
		console.log(`pending events reached D1 ${Date.now() - restartedAt} ms after the restart`);
		expect(missing).toEqual([]);
	}, 240_000);
});
