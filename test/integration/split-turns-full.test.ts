// Past the operator turns a split SKU's coordinator lets wait (src/inventory/escrow-moves.ts
// MAX_TURNS_WAITING, docs/decisions/180-one-change-of-the-total-at-a-time.md), one more stats
// read or PATCH of totalStock is answered 503 `unavailable` with Retry-After over HTTP and
// changes nothing (docs/api.md, "Shards"); the turns that waited run, one at a time, and the
// escrow adds up after them (docs/decisions/184-review-35s-findings.md). The gate's own bound is
// test/unit/escrow-moves.test.ts; here the refusal crosses the RPC and the Worker.
//
// No timing decides the count: the first read holds its turn (shard 1's counters wait) until
// MAX_TURNS_WAITING turns wait behind it and every call past them has been answered.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_TURNS_WAITING } from "../../src/inventory/escrow-moves.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { ADMIN, type ApiResponse, call, stats, trail } from "./helpers.ts";
import { checkEscrow, createSharded, expectShardsReplay } from "./shards-support.ts";
import { aroundShardCalls, coordinator } from "./shards-unreachable.ts";

type Held = {
	peerStub: (index: number) => unknown;
	countersAsked?: boolean;
	release?: boolean;
};

/** Shard 1's first counters call (a stats read's, in its turn) waits until `release`. */
async function holdFirstRead(sku: string): Promise<void> {
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		const object = instance as unknown as Held;
		aroundShardCalls(instance, async ({ index, method, call }) => {
			if (index === 1 && method === "escrowCounters" && object.countersAsked !== true) {
				object.countersAsked = true;
				while (object.release !== true) await sleep(5);
			}
			return call();
		});
	});
}

const held = (sku: string, read: (o: Held) => boolean) =>
	runInDurableObject(coordinator(sku), (instance: InventoryObject) =>
		read(instance as unknown as Held),
	);

/** Operator turns waiting in the coordinator's move gate (its internals). */
const turnsWaiting = (sku: string) =>
	runInDurableObject(
		coordinator(sku),
		(instance: InventoryObject) =>
			(instance as unknown as { escrow: { moves: { aloneWaiting: number } } }).escrow.moves
				.aloneWaiting,
	);

const READS = 32;
const PATCHES = 20;

describe("operator turns past the limit on a split SKU", { timeout: 120_000 }, () => {
	it("are answered 503 unavailable with Retry-After and change nothing; the turns that waited run and add up", async () => {
		const sku = await createSharded(100, 4, 1);
		await holdFirstRead(sku);
		const stat = () => call("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
		const calls: { kind: "read" | "patch"; totalStock?: number; res: Promise<ApiResponse> }[] = [];
		let answered = 0;
		const counted = (res: Promise<ApiResponse>) =>
			res.finally(() => {
				answered += 1;
			});
		try {
			const first = stat();
			while (!(await held(sku, (o) => o.countersAsked === true))) await sleep(5);
			for (let i = 0; i < READS; i++) calls.push({ kind: "read", res: counted(stat()) });
			for (let i = 0; i < PATCHES; i++) {
				const totalStock = 80 - i;
				const res = call("PATCH", `/api/admin/products/${sku}`, {
					token: ADMIN,
					body: { totalStock },
				});
				calls.push({ kind: "patch", totalStock, res: counted(res) });
			}
			// Until the gate is full and every call it could not take has been answered.
			const refused = calls.length - MAX_TURNS_WAITING;
			while (answered < refused || (await turnsWaiting(sku)) < MAX_TURNS_WAITING) await sleep(5);
			expect(answered).toBe(refused);
			await held(sku, (o) => {
				o.release = true;
				return true;
			});
			expect((await first).status).toBe(200);
		} finally {
			await held(sku, (o) => {
				o.release = true;
				return true;
			});
		}
		const answers = await Promise.all(calls.map((c) => c.res));
		await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
			delete (instance as unknown as Partial<Held>).peerStub;
		});
		for (const res of answers) {
			expect([200, 503], JSON.stringify(res.body)).toContain(res.status);
			if (res.status === 503) {
				expect(res.body.error?.code).toBe("unavailable");
				expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
			}
		}
		expect(answers.filter((r) => r.status === 503).length).toBe(calls.length - MAX_TURNS_WAITING);
		// Each PATCH that got its turn is recorded once, a refused one never; the last one stands.
		const accepted = calls
			.filter((c, i) => c.kind === "patch" && answers[i]?.status === 200)
			.map((c) => Number(c.totalStock));
		const after = await stats(sku);
		checkEscrow(after);
		const events = await trail(sku);
		const totals = events
			.filter((e) => e.type === "product.updated" && e.detail?.escrow === undefined)
			.map((e) => Number(e.detail?.totalStock));
		const ascending = (list: number[]) => [...list].sort((a, b) => a - b);
		expect(ascending(totals)).toEqual(ascending(accepted));
		expect(after.total).toBe(totals.at(-1) ?? 100);
		expectShardsReplay(events, after);
	});
});
