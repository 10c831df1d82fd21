// `npm run drop -- --bots F` (cli/drop/fairness.ts) against a server this file starts,
// rate limits and bot tiers on: the same small drop with the waiting room on and off,
// every unit sold exactly once (the server's counters agree with the orders the buyers
// were given), no oversell, and the fairness figures reported for both. The figures
// themselves are measurements (docs/waiting-room.md, "Fairness"), not asserted here:
// a drop of a few dozen buyers is too small for a share to be more than a sample. What
// is asserted is the server's own view (stats.fairness) against the ground truth: with
// the room, every session asked, every unit is counted, and the bot signals put the
// humans (who read first, at irregular gaps) among the clear sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FairnessRun } from "../../cli/drop/fairness-truth.ts";
import type { Product } from "../../src/shared/types.ts";
import { lastJson, runDrop } from "../support/drop.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const RUN_TIMEOUT_MS = 200_000;

describe("npm run drop -- --bots", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer({ env: { RATE_LIMITS: "on" } });
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it("runs the drop with the room on and off and reports fairness for both, with no oversell", async () => {
		const run = await runDrop(
			[
				...["--url", server.url, "--admin-token", server.adminToken, "--bots", "0.8"],
				...["--buyers", "40", "--stock", "8", "--json", "--no-report", "--seed", "11"],
			],
			RUN_TIMEOUT_MS,
		);
		const result = lastJson<{ verified: boolean; bots: number; runs: FairnessRun[] }>(run);
		expect(result.verified, run.stderr).toBe(true);
		expect(run.code).toBe(0);
		expect(result.runs.map((r) => r.room)).toEqual([true, false]);
		for (const r of result.runs) {
			expect(r.problems).toEqual([]);
			expect(r.oversell).toBe(0);
			expect(r.unitsSold).toBe(8);
			expect(r.humans).toBe(8);
			expect(r.scriptSessions).toBe(32);
			expect(r.fairness.humanShareOfDemand).toBe(0.2);
			expect(r.fairness.humanShareOfUnits).toBe(r.humanUnits / 8);
		}
		const [on] = result.runs;
		// With the room every session held one ticket and the room counted every admission.
		expect(on?.queue?.admittedTotal).toBeGreaterThanOrEqual(8);
		expect(run.stderr).toContain("room (overbook)");
		expect(run.stderr).toContain("server's view");
		const view = on?.serverView;
		expect(view?.figures).toMatchObject({ sessions: 40, units: 8, signals: true });
		expect(view?.figures.unitsPerAdmission).toBeCloseTo(8 / (on?.queue?.admittedTotal ?? 0));
		// The simulated scripts never read the product, the humans always do first.
		expect(view?.figures.clear?.sessions).toBe(8);
		expect(view?.suspectSessions).toBe(32);
		expect(view?.unitsToSuspect).toBe(on?.scriptUnits);
		const off = result.runs[1];
		expect(off?.serverView?.figures.units).toBe(8);
	});

	it("--shards runs the fairness drop on a split SKU with its room (a hot drop's shape), every unit sold once", async () => {
		const run = await runDrop(
			[
				...["--url", server.url, "--admin-token", server.adminToken, "--bots", "0.8"],
				...["--room", "on", "--shards", "4", "--buyers", "40", "--stock", "8"],
				...["--json", "--no-report", "--seed", "12"],
			],
			RUN_TIMEOUT_MS,
		);
		const result = lastJson<{ verified: boolean; runs: FairnessRun[] }>(run);
		expect(result.verified, run.stderr).toBe(true);
		expect(run.code).toBe(0);
		const [on] = result.runs;
		expect(result.runs).toHaveLength(1);
		expect(on?.room).toBe(true);
		expect(on?.shards).toBe(4);
		expect(on?.problems).toEqual([]);
		expect(on?.oversell).toBe(0);
		expect(on?.unitsSold).toBe(8);
		// The SKU the run made is split as asked, not one object with the option dropped.
		const product = await api<Product>(server, "GET", `/api/products/${on?.sku}`);
		expect(product.body.data?.shards).toBe(4);
		expect(product.body.data?.waitingRoom?.enabled).toBe(true);
		expect(on?.queue?.admittedTotal).toBeGreaterThanOrEqual(8);
		expect(run.stderr).toContain("on (");
		expect(run.stderr).toContain(", 4 shards |");
	});
});
