// What an eventual-mode reserve (src/worker/eventual.ts) asks of the SKU's object and when its D1
// budget starts (docs/decisions/159-eventual-reserve-one-call-and-its-d1-budget.md): one call to
// the SKU's own object, which on a split SKU asks no other shard (before: `resetUnprojected`, the
// limit's `admit`, then `product()`, which merges every shard); and the one D1_DEADLINE_MS of the
// request counts D1's waits only, not the object's (before: it started at a replay read an
// attempt without an Idempotency-Key never makes, so a slow object spent D1's time).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_DEADLINE_MS } from "../../src/domain/bounds.ts";
import { shardName } from "../../src/domain/escrow.ts";
import type { EventualReadRules } from "../../src/inventory/rpc.ts";
import { callWith } from "./cost-support.ts";
import { ADMIN, call, newSession } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { freshIp, limited, readerOf } from "./ratelimit-support.ts";
import { createSharded } from "./shards-support.ts";
import { request } from "./slow-d1-request.ts";
import { slowD1 } from "./slow-d1-support.ts";
import { callLog, watchedObjects } from "./watched-objects.ts";
import type { InventoryObject } from "./worker.ts";

const SHARDS = 3;
/** The object's answer is this late: half the deadline. */
const OBJECT_LATE_MS = D1_DEADLINE_MS * 0.5;
/** Each D1 wait (the read, the write) is this late: together 0.6 of the deadline, 1.1 with the object's. */
const D1_LATE_MS = D1_DEADLINE_MS * 0.3;

/** Calls of escrowCounters (a merge's read of a shard) shard `index` answered since the last call of this. */
function countersAnswered(sku: string, index: number): Promise<number> {
	return runInDurableObject(stubOf(shardName(sku, index)), (o: InventoryObject) => {
		const n = o.countersAnswered;
		o.countersAnswered = 0;
		return n;
	});
}

function rulesAnswered(sku: string): Promise<number> {
	return runInDurableObject(stubOf(sku), (o: InventoryObject) => {
		const n = o.eventualRulesAnswered;
		o.eventualRulesAnswered = 0;
		return n;
	});
}

describe("an eventual reserve's calls", () => {
	it("asks the split SKU's coordinator once and no other shard", async () => {
		const sku = await createSharded(20, SHARDS, 5);
		const token = await newSession();
		for (let i = 1; i < SHARDS; i++) await countersAnswered(sku, i);
		await rulesAnswered(sku);
		// Every call the Worker makes of any of the SKU's objects, whatever its method.
		const { objects, calls } = callLog();
		const first = await callWith({ INVENTORY: objects } as never, "POST", "/api/reservations", {
			token,
			body: { sku, mode: "eventual" },
		});
		expect(first.status).toBe(201);
		expect(calls).toEqual([`${sku}.eventualReadRules`]);
		// Nor does the coordinator ask its shards (calls the Worker's log cannot see).
		for (let i = 1; i < SHARDS; i++) expect(await countersAnswered(sku, i), `shard ${i}`).toBe(0);
		expect(await rulesAnswered(sku)).toBe(1);
		// The drop's rules are the whole SKU's: its total, not the coordinator's allotment.
		const stock = await env.DB.prepare("SELECT total, remaining FROM eventual_stock WHERE sku = ?")
			.bind(sku)
			.first();
		expect(stock).toEqual({ total: 20, remaining: 19 });
	});

	it("counts an attempt without a key against the reserve limit in that one call", async () => {
		const vars = { RATE_LIMIT_RESERVE: "2" };
		const { sku, token, ip, clock } = await readerOf(10, vars);
		await rulesAnswered(sku);
		const statuses: number[] = [];
		let code: string | undefined;
		for (let i = 0; i < 3; i++) {
			const res = await limited("POST", "/api/reservations", {
				ip,
				token,
				vars,
				body: { sku, mode: "eventual" },
				atMs: clock.advance(150 + i * 37),
			});
			statuses.push(res.status);
			code = res.body.error?.code;
		}
		expect(statuses).toEqual([201, 201, 429]);
		expect(code).toBe("rate_limited");
		expect(await rulesAnswered(sku)).toBe(3);
		const stats = await limited<{ rejected: Record<string, number> }>(
			"GET",
			`/api/admin/products/${sku}/stats`,
			{ ip: freshIp(), token: ADMIN },
		);
		expect(stats.body.data?.rejected["rate_limited.reserve"]).toBe(1);
	});

	it("answers 503 with Retry-After, not 500, while the SKU's object still runs the code before the one call", async () => {
		const sku = await createSharded(20, 1, 5);
		const token = await newSession();
		// A deploy's switch-over: this Worker is new, the object not yet, and answers the rules as
		// it did then (only the limit and whether a reset is pending).
		const earlier = watchedObjects(async (_object, method, call) => {
			const answer = await call();
			if (method !== "eventualReadRules" || answer === null) return answer;
			const { perUserLimit, resetPending } = answer as EventualReadRules;
			return { perUserLimit, resetPending };
		});
		const keyed: Record<string, string> = { "idempotency-key": `switch-${crypto.randomUUID()}` };
		for (const headers of [{}, keyed]) {
			const res = await callWith({ INVENTORY: earlier } as never, "POST", "/api/reservations", {
				token,
				body: { sku, mode: "eventual" },
				headers,
			});
			expect(res.status, JSON.stringify(res.body)).toBe(503);
			expect(res.body.error?.code).toBe("unavailable");
			expect(res.headers.get("retry-after")).toBe("1");
		}
		const made = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM eventual_allocations WHERE sku = ?",
		)
			.bind(sku)
			.first();
		expect(made).toEqual({ n: 0 });
		// Once the object runs this code, the retry is served.
		const retry = await call("POST", "/api/reservations", {
			token,
			body: { sku, mode: "eventual" },
		});
		expect(retry.status, JSON.stringify(retry.body)).toBe(201);
	});

	it("spends its D1 budget on D1 only: an object slow to answer does not turn it into a 503", async () => {
		const sku = await createSharded(20, 1, 5);
		const token = await newSession();
		expect((await request(env.DB, "GET", `/api/products/${sku}`)).status).toBe(200);
		await runInDurableObject(stubOf(sku), (o: InventoryObject) => {
			o.eventualRulesLateMs = OBJECT_LATE_MS;
		});
		const slow = slowD1(D1_LATE_MS);
		try {
			const attempt = await request(slow.db, "POST", "/api/reservations", {
				token,
				body: { sku, mode: "eventual" },
			});
			expect(attempt.status, JSON.stringify(attempt.body)).toBe(201);
			expect(slow.calls).toEqual(["batch", "batch"]);
		} finally {
			await runInDurableObject(stubOf(sku), (o: InventoryObject) => {
				o.eventualRulesLateMs = 0;
			});
		}
	});
});
