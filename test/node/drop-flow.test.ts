// The drop simulator's buyers act on a hold while it lives
// (docs/decisions/115-buyers-act-while-the-hold-lives.md): each hold's fate is drawn when it
// is taken and acted on after a short think time, during the burst. A run whose holds are
// shorter than its burst is the case that shows it: were the checkouts left until after the
// burst, the early holds would have lapsed and their checkouts met 410.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropArgs, runDrop, verifiedResult } from "../support/drop.ts";
import { startServer, type TestServer } from "../support/server.ts";

/**
 * 40 buyers paced like people (at least 350 ms between one buyer's attempts, cli/drop/buyers.ts)
 * make at most about 114 attempts a second, so 800 attempts take at least 7 s: longer than the
 * 6 s holds, whatever the machine's load.
 */
const DROP = { stock: 60, attempts: 800, buyers: 40, perUserLimit: 2, holdSeconds: 6 };
/** The run bounds itself (--max-seconds); this only catches a hung child. */
const RUN_TIMEOUT_MS = 150_000;

describe("npm run drop: buyers pay while their hold lives", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer({ env: { RATE_LIMITS: "on" } });
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it(
		"checks out during the burst, and no checkout meets a lapsed hold, with holds shorter than the burst",
		async () => {
			const run = await runDrop(
				[
					...dropArgs({ url: server.url, ...DROP, concurrency: 16 }),
					...["--admin-token", server.adminToken, "--no-report"],
					...["--max-seconds", "120", "--seed", "5", "--json"],
				],
				RUN_TIMEOUT_MS,
			);
			const result = verifiedResult(run);
			// The premise: the burst outlasted the holds (guaranteed by the pacing, see DROP).
			expect(result.burstSeconds).toBeGreaterThan(DROP.holdSeconds);
			expect(result.sold).toBeGreaterThan(0);
			const settled = result.settle;
			expect(settled, run.stderr).not.toBeNull();
			// 410 reservation_expired: a checkout that came after its hold had lapsed. Before buyers
			// acted while the hold lived, 62 of this run's 90 checkouts met one (the 28 others were
			// of holds taken in the burst's last 6 s). No buyer sends one late now (lapseCause,
			// cli/drop/acts.ts): any 410 is of a checkout sent with a second or more of its hold left
			// (about 4 s here) whose answer came after the hold's end (the server's latency on a
			// loaded machine, which no test times, docs/testing.md), of a hold whose 201 came with
			// under 2 s of it left, or of one sent on time while the wall clock stepped. Two CI runs
			// failed on the first and on one sent 3 ms before the end, before the run told the last
			// two apart.
			expect(settled?.lapsedCheckouts ?? 0, run.stderr).toBe(settled?.checkoutStatus["410"] ?? 0);
			const causes = settled?.lapsedCauses;
			const explained = Object.values(causes ?? {}).reduce((n, k) => n + k, 0);
			expect(explained, run.stderr).toBe(settled?.lapsedCheckouts);
			expect(causes?.sentLate, run.stderr).toBe(0);
			// Nor did one become due in its hold's last second and lapse in the run's own queue. One
			// due with seconds left may lapse waiting for a place behind 16 checkouts the server is
			// slow to answer (a CI run: 1 of them), the server's latency as above; counted apart.
			expect(settled?.lapsedInQueueDueLate, run.stderr).toBe(0);
			// Checkouts were answered while the burst still ran, not only after it.
			expect(settled?.checkoutsDuringBurst ?? 0).toBeGreaterThan(0);
			// No limiter refused these buyers paced like people. A buyer whose hold lapsed (or whose
			// payment failed) and who tried again at once met its cool-down instead
			// (docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md): those are the only 429s.
			expect(result.codeCounts.rate_limited).toBeUndefined();
			expect(result.statusCounts["429"]).toBe(result.codeCounts.hold_cooldown);
		},
		RUN_TIMEOUT_MS + 10_000,
	);
});
