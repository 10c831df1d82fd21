// The coordinator's gate of grant requests and still reads (src/inventory/escrow-moves.ts,
// docs/decisions/167-sold-out-means-none-anywhere.md §2): a read never overlaps a request, and
// reads sent back to back by several operators do not starve the requests — each request waits
// at most for the reads that came before it. Driven directly: in the workers project the test
// cannot keep a read waiting all the time (a loop of in-process calls there starves the isolate's
// timers, docs/testing.md "Time in tests"), so the HTTP path cannot show this bound.
// A turn of its own (a stats read, a change of totalStock,
// docs/decisions/180-one-change-of-the-total-at-a-time.md) never overlaps another turn or a grant
// request, the waiting keep their order, and the turns that may wait are bounded.

import { describe, expect, it } from "vitest";
import { MAX_TURNS_WAITING, MoveGate, TurnsFull } from "../../src/inventory/escrow-moves.ts";
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

/** A promise and the function that resolves it. */
function latch(): { done: Promise<void>; open: () => void } {
	let open = () => {};
	const done = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { done, open };
}

/** Lets every pending callback run (the gate hands turns over in microtasks). */
const drain = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the coordinator's move gate", () => {
	it("turns waiting behind a turn run one at a time, in the order they came", async () => {
		const gate = new MoveGate();
		const log: string[] = [];
		let inside = 0;
		const first = latch();
		const turn = (name: string, wait?: Promise<void>) =>
			gate.ownTurn(async () => {
				inside += 1;
				expect(inside).toBe(1);
				log.push(`${name} start`);
				await wait;
				await drain();
				log.push(`${name} end`);
				inside -= 1;
			});
		const running = [turn("a", first.done), turn("b"), turn("c")];
		await drain();
		expect(log).toEqual(["a start"]);
		first.open();
		await Promise.all(running);
		expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
	});

	it("a grant request waits for the turn before it, and a turn for the requests in progress", async () => {
		const gate = new MoveGate();
		const log: string[] = [];
		const move = latch();
		const moving = gate.move(async () => {
			log.push("move 1");
			await move.done;
			log.push("move 1 end");
		});
		const turn = gate.ownTurn(async () => {
			log.push("turn");
			await drain();
			log.push("turn end");
		});
		const later = gate.move(async () => {
			log.push("move 2");
		});
		await drain();
		expect(log).toEqual(["move 1"]);
		move.open();
		await Promise.all([moving, turn, later]);
		expect(log).toEqual(["move 1", "move 1 end", "turn", "turn end", "move 2"]);
	});

	it(`refuses a turn as overloaded when ${MAX_TURNS_WAITING} wait, and runs none of it`, async () => {
		const gate = new MoveGate();
		const first = latch();
		const running = gate.ownTurn(() => first.done);
		const waiting = Array.from({ length: MAX_TURNS_WAITING }, () => gate.ownTurn(async () => {}));
		let ran = false;
		const refused = gate.ownTurn(async () => {
			ran = true;
		});
		await expect(refused).rejects.toBeInstanceOf(TurnsFull);
		await expect(refused).rejects.toMatchObject({ overloaded: true });
		first.open();
		await Promise.all([running, ...waiting]);
		expect(ran).toBe(false);
		// Once they are done, a turn is taken again.
		await expect(gate.ownTurn(async () => 7)).resolves.toBe(7);
	});
});
