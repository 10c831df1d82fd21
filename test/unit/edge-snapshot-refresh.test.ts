// The edge's copy of a SKU's state is refreshed ahead of time (src/worker/edge-snapshot.ts): one
// background call per copy once it is half as old as the bound, nobody waiting on it, and never
// replacing a copy that arrived after the refresh was sent.
import { describe, expect, it } from "vitest";
import type { EdgeSnapshot } from "../../src/inventory/rpc.ts";
import {
	EDGE_SNAPSHOT_MAX_AGE_MS,
	EDGE_SNAPSHOT_REFRESH_AFTER_MS,
	freshSnapshot,
	refreshAhead,
	refreshDue,
	rememberSnapshot,
} from "../../src/worker/edge-snapshot.ts";

let skuCount = 0;
const uniqueSku = () => `REFRESH-${++skuCount}`;

function copyWith(available: number): EdgeSnapshot {
	return {
		availability: { sku: "X", available, reserved: 0, sold: 0, total: available, asOf: "" },
		startsAtMs: null,
	} as unknown as EdgeSnapshot;
}

/** A loader whose answer the test releases by hand, and what the refresh deferred. */
function manualLoad() {
	const calls: ((s: EdgeSnapshot | null) => void)[] = [];
	const deferred: Promise<unknown>[] = [];
	return {
		load: () => new Promise<EdgeSnapshot | null>((resolve) => calls.push(resolve)),
		defer: (p: Promise<unknown>) => void deferred.push(p),
		calls,
		settled: () => Promise.all(deferred),
	};
}

describe("refreshing the edge's copy ahead of time", () => {
	it("says a refresh is due exactly when refreshAhead would send one", () => {
		const sku = uniqueSku();
		const t0 = 500_000;
		expect(refreshDue(sku, t0)).toBe(false); // no copy: the request asks the object itself
		rememberSnapshot(sku, copyWith(0), t0);
		const io = manualLoad();
		for (const at of [0, EDGE_SNAPSHOT_REFRESH_AFTER_MS - 1]) {
			expect(refreshDue(sku, t0 + at)).toBe(false);
		}
		const sentAt = t0 + EDGE_SNAPSHOT_REFRESH_AFTER_MS;
		expect(refreshDue(sku, sentAt)).toBe(true);
		refreshAhead(sku, sentAt, io.load, io.defer);
		expect(io.calls).toHaveLength(1);
		// In flight: not due again until it has been unanswered for the whole bound.
		expect(refreshDue(sku, sentAt + EDGE_SNAPSHOT_MAX_AGE_MS - 1)).toBe(false);
		expect(refreshDue(sku, sentAt + EDGE_SNAPSHOT_MAX_AGE_MS)).toBe(true);
	});

	it("leaves a young copy alone, then sends one refresh at a time", async () => {
		const sku = uniqueSku();
		const t0 = 1_000_000;
		rememberSnapshot(sku, copyWith(0), t0);
		const io = manualLoad();
		refreshAhead(sku, t0 + EDGE_SNAPSHOT_REFRESH_AFTER_MS - 1, io.load, io.defer);
		expect(io.calls).toHaveLength(0);
		const sentAt = t0 + EDGE_SNAPSHOT_REFRESH_AFTER_MS;
		refreshAhead(sku, sentAt, io.load, io.defer);
		refreshAhead(sku, sentAt + 1, io.load, io.defer);
		expect(io.calls).toHaveLength(1);
		io.calls[0]?.(copyWith(3));
		await io.settled();
		// The new copy counts from when the refresh was sent, not from when it arrived.
		expect(freshSnapshot(sku, sentAt + EDGE_SNAPSHOT_MAX_AGE_MS)?.availability.available).toBe(3);
		expect(freshSnapshot(sku, sentAt + EDGE_SNAPSHOT_MAX_AGE_MS + 1)).toBeNull();
	});

	it("keeps a copy that arrived after the refresh was sent", async () => {
		const sku = uniqueSku();
		const t0 = 2_000_000;
		rememberSnapshot(sku, copyWith(5), t0);
		const io = manualLoad();
		const sentAt = t0 + EDGE_SNAPSHOT_REFRESH_AFTER_MS;
		refreshAhead(sku, sentAt, io.load, io.defer);
		rememberSnapshot(sku, copyWith(4), sentAt + 1);
		io.calls[0]?.(copyWith(5));
		await io.settled();
		expect(freshSnapshot(sku, sentAt + 2)?.availability.available).toBe(4);
	});

	it("lets a new refresh go once a failed or silent one no longer blocks", async () => {
		const sku = uniqueSku();
		const t0 = 3_000_000;
		rememberSnapshot(sku, copyWith(1), t0);
		const failing = {
			calls: 0,
			load() {
				this.calls += 1;
				return Promise.reject(new Error("object unreachable"));
			},
		};
		const deferred: Promise<unknown>[] = [];
		const at = t0 + EDGE_SNAPSHOT_REFRESH_AFTER_MS;
		refreshAhead(
			sku,
			at,
			() => failing.load(),
			(p) => void deferred.push(p),
		);
		await Promise.all(deferred);
		refreshAhead(
			sku,
			at + 1,
			() => failing.load(),
			(p) => void deferred.push(p),
		);
		await Promise.all(deferred);
		expect(failing.calls).toBe(2);
		const silent = manualLoad();
		rememberSnapshot(sku, copyWith(1), t0);
		refreshAhead(sku, at, silent.load, silent.defer);
		refreshAhead(sku, at + EDGE_SNAPSHOT_MAX_AGE_MS - 1, silent.load, silent.defer);
		expect(silent.calls).toHaveLength(1);
		refreshAhead(sku, at + EDGE_SNAPSHOT_MAX_AGE_MS, silent.load, silent.defer);
		expect(silent.calls).toHaveLength(2);
	});
});
