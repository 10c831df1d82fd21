// Bindings the tests add on top of the Worker's own (vitest.config.ts).
import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/worker/env.ts";

declare global {
	namespace Cloudflare {
		interface Env extends WorkerEnv {
			TEST_MIGRATIONS: D1Migration[];
		}
	}
}
