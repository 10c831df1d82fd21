// The demo's in-browser mock answers a reserve past the per-buyer limit as the Worker does
// (src/worker/reserve-answer.ts, docs/api.md "Reservations"): 403 `purchase_limit` with the
// server's sentence and `error.limit {perUserLimit, usedUnits}`, so a page in mock mode shows
// the session's count ("3 of 2") and keeps the limit's words by it, as it would live. (The
// mock's only products are sandboxes, whose limit is their stock: its safe path answers
// sold_out first, so the eventual path, which counts earlier allocations, is where it is met.)

import { describe, expect, it } from "vitest";
import { MOCK_SANDBOX_UNITS, MockBackend } from "../../src/web/mock/backend.ts";
import { mockBuyer } from "../support/mock-buyer.ts";

describe("the mock's purchase_limit carries the server's error.limit", () => {
	it("an eventual reserve past the limit, counted on the session's earlier allocations: 403 with the count", async () => {
		const mock = new MockBackend();
		const owner = await mockBuyer(mock);
		const other = await mockBuyer(mock);
		for (let i = 0; i < MOCK_SANDBOX_UNITS / 10; i++) {
			const r = await other.api.reserve(owner.sandboxSku, { mode: "eventual", quantity: 10 });
			expect(r.ok, r.ok ? "" : r.code).toBe(true);
		}
		const past = await other.api.reserve(owner.sandboxSku, { mode: "eventual", quantity: 1 });
		expect(past.ok ? 201 : [past.status, past.code]).toEqual([403, "purchase_limit"]);
		if (past.ok) return;
		expect(past.limit).toEqual({ perUserLimit: MOCK_SANDBOX_UNITS, usedUnits: MOCK_SANDBOX_UNITS });
	});
});
