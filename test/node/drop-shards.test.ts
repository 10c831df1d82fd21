// `npm run drop -- --shards K` (docs/decisions/020-escrow-shards.md): the drop simulator
// against a server this file starts, once with the SKU in one object and once split
// across 4 and across 16 shards, each run verified from the server's records by
// cli/drop/verify.ts — for a split SKU shard by shard (allotments + pool = stock, no
// shard over its allotment, each shard's trail replaying to its counters).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stats } from "../../src/shared/types.ts";
import { dropArgs, runDrop, verifiedResult } from "../support/drop.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

/**
 * Small: three runs in one test file, at once against one server (each on its own SKU:
 * nothing one run does is seen by another's verification, which reads its SKU's records
 * only); the holds outlast the burst and then expire, so most of each run is waiting.
 */
const DROP = {
	stock: 300,
	attempts: 1_500,
	buyers: 150,
	perUserLimit: 4,
	// Long enough that holds outlive the burst when three runs share a machine that a second
	// copy of the suite also loads: the stock goes in the burst's first seconds and the holds
	// are paid only after it, so with 20 s every hold had expired once and nothing was sold.
	holdSeconds: 40,
};
/**
 * Each run bounds itself (--max-seconds): a liveness bound for three runs sharing the
 * machine with each other and the rest of the suite (about 25 s each alone, 67 s beside a
 * busy suite), never a verdict on speed.
 */
const MAX_SECONDS = 200;
/** Only catches a hung child. */
const RUN_TIMEOUT_MS = (MAX_SECONDS + 20) * 1000;

describe("npm run drop -- --shards K", () => {
	let server: TestServer;
	let reportDir: string;
	beforeAll(async () => {
		server = await startServer({ env: { HOLD_SECONDS: String(DROP.holdSeconds) } });
		reportDir = mkdtempSync(join(tmpdir(), "rg-drop-shards-"));
	});
	afterAll(async () => {
		await server?.dispose();
		if (reportDir) rmSync(reportDir, { recursive: true, force: true });
	});

	for (const shards of [1, 4, 16]) {
		it.concurrent(
			`verifies a drop on ${shards} shard(s) from the records`,
			async () => {
				const run = await runDrop(
					[
						...dropArgs({ url: server.url, ...DROP }),
						...["--shards", String(shards), "--admin-token", server.adminToken],
						...["--sessions", "public", "--debug-token", server.debugToken, "--no-pacing"],
						...[
							"--report-dir",
							reportDir,
							"--max-seconds",
							String(MAX_SECONDS),
							"--seed",
							"11",
							"--json",
						],
					],
					RUN_TIMEOUT_MS,
				);
				const result = verifiedResult(run);
				expect(result.stock).toBe(DROP.stock);
				expect(result.holds).toBeGreaterThan(0);
				expect(result.sold).toBeGreaterThan(0);
				// The SKU the run created is split as asked (one object: no shards list).
				const stats = await api<Stats>(server, "GET", `/api/admin/products/${result.sku}/stats`, {
					token: server.adminToken,
				});
				expect(stats.body.data?.shards?.length ?? 1).toBe(shards);
			},
			RUN_TIMEOUT_MS + 10_000,
		);
	}
});
