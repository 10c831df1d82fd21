// The demo's in-browser mock keeps the rules the server keeps before eventual mode's naive
// path (src/worker/eventual.ts, docs/decisions/061-ops-fixes-of-the-second-review.md): the
// start, the purchase limit on the attempt's quantity, and the session's earlier allocations
// except on its own sandbox, where one presenter's stampede is the demo.

import { describe, expect, it } from "vitest";
import type { ApiClient } from "../../src/web/api/client.ts";
import { MOCK_SANDBOX_UNITS, MockBackend } from "../../src/web/mock/backend.ts";
import { eventualRefusal } from "../../src/web/mock/eventual.ts";
import { mockBuyer } from "../support/mock-buyer.ts";

/** Eventual attempts of 10 units, one at a time, until the sandbox's units are all allocated. */
async function allocateAll(api: ApiClient, sku: string): Promise<void> {
	for (let i = 0; i < MOCK_SANDBOX_UNITS / 10; i++) {
		const r = await api.reserve(sku, { mode: "eventual", quantity: 10 });
		expect(r.ok, r.ok ? "" : r.code).toBe(true);
	}
}

describe("the mock's eventual mode keeps the drop's rules", () => {
	it("refuses an attempt before the start, then one past the limit on its own, in the server's order", () => {
		const nowMs = Date.parse("2026-11-30T05:00:00Z");
		const later = { startsAtMs: nowMs + 60_000, perUserLimit: 2 };
		expect(eventualRefusal(later, 5, nowMs)).toBe("not_started");
		const open = { startsAtMs: nowMs - 1, perUserLimit: 2 };
		expect(eventualRefusal(open, 3, nowMs)).toBe("purchase_limit");
		expect(eventualRefusal(open, 2, nowMs)).toBeNull();
		expect(eventualRefusal({ startsAtMs: null, perUserLimit: 2 }, 2, nowMs)).toBeNull();
	});

	it("counts another session's earlier allocations against the limit: purchase_limit, not sold_out", async () => {
		const mock = new MockBackend();
		const owner = await mockBuyer(mock);
		const other = await mockBuyer(mock);
		// The other session takes the owner's whole sandbox (perUserLimit = its stock)…
		await allocateAll(other.api, owner.sandboxSku);
		// …and is then past its limit, which the server checks before the count.
		const past = await other.api.reserve(owner.sandboxSku, { mode: "eventual", quantity: 1 });
		expect(past.ok ? 201 : [past.status, past.code]).toEqual([403, "purchase_limit"]);
		// In the server's words (src/shared/limit-message.ts), not a sentence of the mock's own.
		expect(past.ok ? "" : past.message).toBe(
			`This session already holds or bought the per-buyer limit of ${MOCK_SANDBOX_UNITS} units of ${owner.sandboxSku}.`,
		);
	});

	it("does not count the presenter's own earlier allocations on their sandbox", async () => {
		const mock = new MockBackend();
		const owner = await mockBuyer(mock);
		await allocateAll(owner.api, owner.sandboxSku);
		const next = await owner.api.reserve(owner.sandboxSku, { mode: "eventual", quantity: 1 });
		expect(next.ok ? 201 : [next.status, next.code]).toEqual([409, "sold_out"]);
		// Overlapping attempts from the same session still oversell: the step's point.
		const reset = await owner.api.resetSandbox();
		expect(reset.ok).toBe(true);
		const stampede = await Promise.all(
			Array.from({ length: 150 }, () => owner.api.reserve(owner.sandboxSku, { mode: "eventual" })),
		);
		expect(stampede.filter((r) => r.ok)).toHaveLength(150);
	});
});
