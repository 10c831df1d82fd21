// The stats' counters that are written like the rejection counters (with the object's next write
// or within COUNTERS_FLUSH_MS, src/inventory/state-writer.ts): what a restart reads back once they
// were written (address-refusals.test.ts, live-stats.test.ts).
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { DecisionCounts } from "../../src/inventory/state-writer.ts";
import type { Stats } from "../../src/shared/types.ts";
import { stats } from "./helpers.ts";

/**
 * Waits until the counters' own write (within COUNTERS_FLUSH_MS) stored `written`, then
 * restarts the object: what it reads back.
 */
export async function afterRestart(sku: string, written: Partial<DecisionCounts>): Promise<Stats> {
	const stub = env.INVENTORY.get(env.INVENTORY.idFromName(sku));
	const stored = () =>
		runInDurableObject(stub, (_: InventoryObject, state) => {
			const row = state.storage.sql.exec<{ snapshot: string }>(
				"SELECT snapshot FROM state WHERE id = 1",
			);
			return JSON.parse(row.one().snapshot) as Partial<DecisionCounts>;
		});
	await vi.waitFor(async () => expect(await stored()).toMatchObject(written), {
		timeout: 10_000,
		interval: 100,
	});
	await evictDurableObject(stub, { webSockets: "hibernate" });
	return stats(sku);
}
