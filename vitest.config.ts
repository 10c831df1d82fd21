// One `npm test` runs every project:
//  - unit: the pure domain rules and helpers, in Node (fast-check property tests);
//  - workers: the Worker and the SKU object inside workerd (@cloudflare/vitest-plugin),
//    real D1 migrations applied in setup, real KV and Durable Object storage;
//  - node: black-box tests against `npm start` servers the tests launch themselves
//    (restart/persistence, concurrency over HTTP, drop simulator, browser e2e).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import LongestFirst from "./test/support/sequencer.ts";

const migrations = await readD1Migrations("./migrations");

/**
 * Files running at once, across all three projects. The projects share one queue (same
 * maxWorkers, same groupOrder: vitest runs projects that differ in either one after the
 * other), longest file first (test/support/sequencer.ts). Many node files mostly wait
 * (holds expiring, a soak paced in real time, a timed outage), so more files than the
 * 2 cores: the workerd and unit files use the CPU those leave idle. docs/testing.md
 * "Suite time" has the measurements.
 */
const FILES_AT_ONCE = 4;

export default defineConfig({
	test: {
		sequence: { sequencer: LongestFirst },
		projects: [
			{
				test: {
					name: "unit",
					include: ["test/unit/**/*.test.ts"],
					environment: "node",
					maxWorkers: FILES_AT_ONCE,
					// Pure functions and their own fixtures (no module mocks, no process-wide
					// state), so the files share their workers: a fresh process and imports per
					// file was half of this project's CPU (12.5 → 6.9 s, one worker, all green).
					isolate: false,
					// A bound on a hang, never a verdict (no test here times anything): vitest's
					// default 5 s failed drop-buyers' 200,000 addresses, 1.5 s on an idle machine,
					// in a suite run beside a CPU burner.
					testTimeout: 30_000,
				},
			},
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.jsonc" },
						// The real Worker, its SKU object given a payment provider the tests can
						// slow down or make lossy (test/integration/worker.ts).
						main: "./test/integration/worker.ts",
						miniflare: {
							bindings: {
								TEST_MIGRATIONS: migrations,
								ADMIN_TOKEN: "test-admin-token",
								DEBUG_TOKEN: "test-debug-token",
								// Tests only; `npm start` generates its own (scripts/config.ts).
								IP_HASH_SECRET: "test-only-ip-hash-secret-0123456789abcdef",
								ENVIRONMENT: "test",
								RATE_LIMITS: "off",
								// test/integration/room-start-time.test.ts prints its figures only when asked.
								ROOM_START_PROBE: process.env.ROOM_START_PROBE ?? "",
								// test/integration/room-load-time.test.ts likewise.
								ROOM_LOAD_PROBE: process.env.ROOM_LOAD_PROBE ?? "",
							},
						},
					}),
				],
				test: {
					name: "workers",
					include: ["test/integration/**/*.test.ts"],
					setupFiles: ["./test/integration/setup.ts"],
					testTimeout: 30_000,
					maxWorkers: FILES_AT_ONCE,
				},
			},
			{
				test: {
					name: "node",
					include: ["test/node/**/*.test.ts", "test/e2e/**/*.test.ts"],
					environment: "node",
					// Every server a file starts is stopped when the file ends; anything a test
					// left running fails the run at the end (test/support/server.ts).
					setupFiles: ["./test/support/node-setup.ts"],
					globalSetup: ["./test/support/global-setup.ts"],
					testTimeout: 120_000,
					hookTimeout: 120_000,
					maxWorkers: FILES_AT_ONCE,
				},
			},
		],
	},
});
