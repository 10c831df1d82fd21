// One `npm test` runs every project:
//  - unit: the pure domain rules and helpers, in Node (fast-check property tests);
//  - workers: the Worker and the SKU object inside workerd (@cloudflare/vitest-plugin),
//    real D1 migrations applied in setup, real KV and Durable Object storage;
//  - node: black-box tests against `npm start` servers the tests launch themselves
//    (restart/persistence, concurrency over HTTP, drop simulator, browser e2e).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("./migrations");

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: "unit",
					include: ["test/unit/**/*.test.ts"],
					environment: "node",
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
							},
						},
					}),
				],
				test: {
					name: "workers",
					include: ["test/integration/**/*.test.ts"],
					setupFiles: ["./test/integration/setup.ts"],
					testTimeout: 30_000,
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
					// Each file starts its own servers. Most of them wait more than they compute (holds
					// expiring, a soak and drops paced in real time), so three at a time on 2 cores: the
					// suite fell from 400 s to 326 s and still passes with a second copy running.
					maxWorkers: 3,
				},
			},
		],
	},
});
