// The coordinator's gate of grant requests and still reads (src/inventory/escrow-moves.ts,
// docs/decisions/167-sold-out-means-none-anywhere.md §2): a read never overlaps a request, and
// reads sent back to back by several operators do not starve the requests — each request waits
// at most for the reads that came before it. Driven directly: in the workers project the test
// cannot keep a read waiting all the time (a loop of in-process calls there starves the isolate's
// timers, docs/testing.md "Time in tests"), so the HTTP path cannot show this bound.

import { describe, expect, it } from "vitest";
import { MoveGate } from "../../src/inventory/escrow-moves.ts";
import { pick, seededRandom } from "../support/random.ts";

const READERS = 3;
const MOVES = 40;
/** The reads are bounded: the requests must all end while the reads go on. */
const MAX_READS = 5_000;

/** One turn of Node's event loop: the gate's callers interleave as the objects' calls do. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
async function ticks(n: number): Promise<void> {
	for (let i = 0; i < n; i++) await tick();
}

describe("MoveGate", () => {
	it("serves grant requests between back-to-back reads, and never runs both at once", async () => {
		const gate = new MoveGate();
		const random = seededRandom(167);
		let readsStarted = 0;
		let reading = false;
		let moving = 0;
		let stop = false;
		const overlaps: string[] = [];
		const reader = async () => {
			while (!stop && readsStarted < MAX_READS) {
				await gate.still(
					async () => {
						readsStarted += 1;
						reading = true;
						if (moving > 0) overlaps.push(`read ${readsStarted} began during a request`);
						await ticks(1 + pick(random, 2));
					},
					async () => {
						await ticks(1 + pick(random, 2));
						if (moving > 0) overlaps.push(`read ${readsStarted} ended during a request`);
						reading = false;
					},
				);
			}
		};
		const readers = Array.from({ length: READERS }, reader);
		const readsWaited: number[] = [];
		const moves: Promise<void>[] = [];
		for (let i = 0; i < MOVES; i++) {
			await ticks(1 + pick(random, 3));
			const enteredAt = readsStarted;
			moves.push(
				gate.move(async () => {
					readsWaited.push(readsStarted - enteredAt);
					if (reading) overlaps.push(`request ${i} began during a read`);
					moving += 1;
					await ticks(1 + pick(random, 3));
					moving -= 1;
				}),
			);
		}
		await Promise.all(moves);
		const readsWhenMovesEnded = readsStarted;
		stop = true;
		await Promise.all(readers);
		expect(overlaps).toEqual([]);
		expect(readsWaited).toHaveLength(MOVES);
		// The reads were back to back: every request found at least one read ahead of it...
		expect(Math.min(...readsWaited)).toBeGreaterThanOrEqual(1);
		// ...and waited for those only: a reader has one read in the gate at a time.
		expect(Math.max(...readsWaited)).toBeLessThanOrEqual(READERS);
		expect(readsWhenMovesEnded).toBeLessThan(MAX_READS);
	});
});
