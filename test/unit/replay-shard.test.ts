// A shard's own trail replays to its allotment (src/domain/replay.ts replayShard): the
// coordinator's SKU-wide product events carry the SKU's totalStock and are not the shard's.

import { describe, expect, it } from "vitest";
import { type ReplayableEvent, replay, replayShard } from "../../src/domain/replay.ts";

const shardZero: ReplayableEvent[] = [
	{ type: "product.created", detail: { totalStock: 20 } },
	{ type: "product.updated", detail: { totalStock: 0, allotment: 0, escrow: { pool: 20 } } },
	{ type: "product.updated", detail: { totalStock: 5, allotment: 5, escrow: { grant: 1 } } },
	{ type: "reservation.created", quantity: 2 },
	// The operator's PATCH, recorded once for the SKU by its coordinator.
	{ type: "product.updated", detail: { totalStock: 26 } },
	{ type: "product.updated", detail: { perUserLimit: 3 } },
];

describe("replayShard", () => {
	it("follows the allotment, not the SKU's totalStock", () => {
		expect(replayShard(shardZero)).toEqual({ total: 5, available: 3, reserved: 2, sold: 0 });
		// The plain replay reads the SKU's total: right for the SKU's operator events, not a shard.
		expect(replay(shardZero).total).toBe(26);
	});

	it("reads the coordinator's reset at its allotment, not the SKU's total", () => {
		const reset = {
			type: "inventory.reset",
			detail: { totalStock: 26, allotment: 5, soldKept: 0 },
		};
		const trail = [...shardZero, reset] as ReplayableEvent[];
		expect(replayShard(trail)).toEqual({ total: 5, available: 5, reserved: 0, sold: 0 });
	});

	it("keeps a shard's reset", () => {
		const trail = [
			...shardZero,
			{ type: "inventory.reset", detail: { totalStock: 5, soldKept: 0 } },
		];
		expect(replayShard(trail as ReplayableEvent[])).toEqual({
			total: 5,
			available: 5,
			reserved: 0,
			sold: 0,
		});
	});
});
