// The virtual guardrail (docs/demo.md, step 4): meta.guardrail.tripped turns true
// on exactly the first response whose running total passes
// GUARDRAIL_VIRTUAL_USD, stays true, and refuses nothing. And the hard lock:
// with a billing scale that bills real cents, a session past DEMO_COST_LIMIT
// is refused with 503 cost_limit (no Retry-After: waiting cannot help).
import { describe, expect, it } from "vitest";
import { callWith, costOf, guardrailOf, sessionWith } from "./cost-support.ts";
import { ADMIN, call, createProduct } from "./helpers.ts";

/** A couple of dozen requests' worth: a read costs about $0.0000005, a hold about $0.000008 (rows written). */
const THRESHOLD_USD = 0.0001;

describe("the guardrail", () => {
	it("trips exactly when the running total crosses the threshold, and allocations go on", async () => {
		const vars = { GUARDRAIL_VIRTUAL_USD: String(THRESHOLD_USD) };
		const sku = await createProduct({ totalStock: 1000, perUserLimit: 1000 });
		const { token, res: created } = await sessionWith(vars);
		let running = costOf(created).requestUsd;
		expect(guardrailOf(created)).toEqual({
			thresholdUsd: THRESHOLD_USD,
			tripped: running > THRESHOLD_USD,
		});
		let crossedAt: number | null = null;
		let i = 0;
		for (; i < 200 && (crossedAt === null || i < crossedAt + 5); i++) {
			const res =
				i % 2 === 0
					? await callWith(vars, "POST", "/api/reservations", { token, body: { sku } })
					: await callWith(vars, "GET", `/api/products/${sku}/availability`, { token });
			expect(res.status).toBe(i % 2 === 0 ? 201 : 200); // nothing is refused for the guardrail
			running += costOf(res).requestUsd;
			const shouldTrip = running > THRESHOLD_USD;
			if (shouldTrip && crossedAt === null) crossedAt = i;
			expect(costOf(res).virtualUsd).toBeCloseTo(running, 15);
			expect(guardrailOf(res)).toEqual({ thresholdUsd: THRESHOLD_USD, tripped: shouldTrip });
		}
		expect(crossedAt).not.toBeNull();
		expect(crossedAt).toBeGreaterThan(5);
		const stats = await call<{ reserved: number }>("GET", `/api/admin/products/${sku}/stats`, {
			token: ADMIN,
		});
		expect(stats.body.data?.reserved).toBe(Math.ceil(i / 2));
	});
});

describe("the hard cost lock", () => {
	it("with BILLING_SCALE=1000000 and DEMO_COST_LIMIT=0 a session is refused once a cent is billed", async () => {
		const vars = { BILLING_SCALE: "1000000", DEMO_COST_LIMIT: "0" };
		const sku = await createProduct({ totalStock: 10 });
		const { token, res: created } = await sessionWith(vars);
		// Creating the session (a KV write) already bills real cents at this scale.
		expect(costOf(created).realUsd).toBeGreaterThan(0);
		for (const attempt of [
			() => callWith(vars, "POST", "/api/reservations", { token, body: { sku } }),
			() => callWith(vars, "POST", "/api/reservations", { token, body: { sku, mode: "eventual" } }),
			() => callWith(vars, "GET", `/api/products/${sku}/availability`, { token }),
		]) {
			const res = await attempt();
			expect(res.status).toBe(503);
			expect(res.body.error?.code).toBe("cost_limit");
			expect(res.headers.get("retry-after")).toBeNull();
			// The refusal did no billable work past the Worker invocation itself.
			const { usage } = costOf(res);
			expect(usage.doRowsWritten + usage.d1RowsWritten + usage.kvWrites + usage.aePoints).toBe(0);
		}
		const stats = await call<{ reserved: number; eventual: { allocated: number } }>(
			"GET",
			`/api/admin/products/${sku}/stats`,
			{ token: ADMIN },
		);
		expect(stats.body.data).toMatchObject({ reserved: 0, eventual: { allocated: 0 } });
		// Anonymous reads have no session total to pass: they are the rate limiter's business.
		expect((await callWith(vars, "GET", `/api/products/${sku}/availability`)).status).toBe(200);
	});

	it("a higher limit lets a session run until its real total would pass it, then refuses it for good", async () => {
		const vars = { BILLING_SCALE: "1000000", DEMO_COST_LIMIT: "10" };
		const sku = await createProduct({ totalStock: 10 });
		const { token } = await sessionWith(vars);
		const statuses: number[] = [];
		let lastAllowedReal = 0;
		for (let i = 0; i < 40; i++) {
			const res = await callWith(vars, "GET", `/api/products/${sku}/availability`, { token });
			statuses.push(res.status);
			if (res.status === 200) lastAllowedReal = costOf(res).realUsd;
			else expect(res.body.error?.code).toBe("cost_limit");
		}
		const firstRefusal = statuses.indexOf(503);
		expect(firstRefusal).toBeGreaterThan(0);
		expect(statuses.slice(firstRefusal).every((s) => s === 503)).toBe(true);
		expect(lastAllowedReal).toBeLessThanOrEqual(10);
	});
});
