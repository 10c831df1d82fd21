// Runs in every file of the node project (vitest.config.ts setupFiles): whatever a
// file's own hooks did, its servers are stopped when the file ends, failed or not.
import { afterAll } from "vitest";
import { disposeServers } from "./server.ts";

afterAll(async () => {
	await disposeServers();
});
