// The demo's rules for what it may claim (docs/demo.md): the cost meter never goes down within
// a session (cost-floor.ts), and a stampede's lost answers make eventual mode's count a lower
// bound, not a measurement (stampede-run.ts).

import { describe, expect, it } from "vitest";
import type { CostLedger } from "../../src/shared/types.ts";
import type { ApiResult } from "../../src/web/api/client.ts";
import { meterAfter } from "../../src/web/demo/cost-floor.ts";
import { initial } from "../../src/web/demo/demo-state.ts";
import { answerLost, EventualCount, stampedeRun, tally } from "../../src/web/demo/stampede-run.ts";

const ledger = (virtualUsd: number): CostLedger =>
	({ virtualUsd, realUsd: 0, requestUsd: 0.0000001, scope: "session" }) as CostLedger;

const err = (status: number, code: string): ApiResult<unknown> => ({
	ok: false,
	status,
	code: code as "network_error",
	message: code,
	meta: null,
	retryAfterSeconds: null,
	roundTripMs: 1,
});
const ok: ApiResult<unknown> = {
	ok: true,
	status: 201,
	data: {},
	meta: { latencyMs: 1 } as never,
	roundTripMs: 1,
};

describe("the demo's cost meter", () => {
	it("keeps the highest total of a session; an answer overtaken by a later one says nothing", () => {
		const s = { ...initial("live"), ...meterAfter(initial("live"), ledger(0.00001), "t1") };
		const next = meterAfter(s, ledger(0.000008), "t1");
		expect(next.cost?.virtualUsd).toBe(0.00001);
		expect(next.costBehind).toBeNull();
	});

	it("after a lost answer, says the server reported less than it showed", () => {
		const s = {
			...initial("live"),
			...meterAfter(initial("live"), ledger(0.00001), "t1"),
			answerLost: true,
		};
		const next = meterAfter(s, ledger(0.000004), "t1");
		expect(next.cost?.virtualUsd).toBe(0.00001);
		expect(next.costBehind).toEqual({ reportedUsd: 0.000004, shownUsd: 0.00001 });
	});

	it("starts from the new session's own total after a new sign-in", () => {
		const s = { ...initial("live"), ...meterAfter(initial("live"), ledger(0.00001), "t1") };
		expect(meterAfter(s, ledger(0.000001), "t2")).toMatchObject({
			cost: { virtualUsd: 0.000001 },
			costBehind: null,
		});
	});
});

describe("a stampede's lost answers", () => {
	it("counts no answer, an answer outside the contract and a 5xx as lost, a refusal as not", () => {
		expect(answerLost(err(0, "network_error"))).toBe(true);
		expect(answerLost(err(502, "bad_response"))).toBe(true);
		expect(answerLost(err(500, "internal_error"))).toBe(true);
		expect(answerLost(err(503, "cost_limit"))).toBe(false);
		expect(answerLost(err(409, "sold_out"))).toBe(false);
		expect(answerLost(ok)).toBe(false);
	});

	it("makes eventual mode's count a lower bound until the sandbox is reset", () => {
		const count = new EventualCount();
		const noRead = err(0, "network_error") as never;
		const cut = tally([ok, ok, err(0, "network_error"), err(409, "sold_out")]);
		count.add("SBX-1", cut);
		const first = stampedeRun("eventual", cut, noRead, count, 100, 5);
		expect(first).toMatchObject({
			oversell: null,
			allocated: null,
			unanswered: 1,
			seenAllocated: 2,
		});
		const clean = tally(Array.from({ length: 120 }, () => ok));
		count.add("SBX-1", clean);
		expect(stampedeRun("eventual", clean, noRead, count, 100, 5).oversell).toBeNull();
		count.forget("SBX-1");
		count.add("SBX-1", clean);
		expect(stampedeRun("eventual", clean, noRead, count, 100, 5)).toMatchObject({
			oversell: 20,
			allocated: 120,
			problem: null,
		});
	});
});
