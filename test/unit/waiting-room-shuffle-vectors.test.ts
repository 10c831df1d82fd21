// The published order pinned (src/domain/waiting-room-shuffle.ts, docs/waiting-room.md
// "Tickets and the order"): a buyer recomputes the shuffle from the revealed seed with the
// recipe the page gives, so its result for a given seed and list must never change, however
// the computation is made faster (docs/decisions/146-the-room-start-at-50000-tickets.md).
// Known vectors written down once, and the recipe itself written here again on node:crypto's
// SHA-256, held against the room's code up to 50,000 tickets.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WaitingRoom } from "../../src/domain/waiting-room.ts";
import { seededDraw, shuffledRanks, shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const SEED = "3c5e0b1f9a7d2e4c6b8a0f1e3d5c7b9a2f4e6d8c0b1a3f5e7d9c1b3a5f7e9d0c";
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** docs/waiting-room.md's recipe, on node:crypto: the draws, then Fisher–Yates from the last place down. */
function recipe<T>(items: readonly T[], seed: string): T[] {
	let counter = 0;
	let words: number[] = [];
	const word = (): number => {
		if (words.length === 0) {
			const digest = createHash("sha256").update(`${seed}:${counter}`, "utf8").digest();
			counter += 1;
			words = Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4));
		}
		return words.shift() as number;
	};
	const draw = (n: number): number => {
		const limit = Math.floor(0x100000000 / n) * n;
		for (;;) {
			const w = word();
			if (w < limit) return w % n;
		}
	};
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = draw(i + 1);
		[out[i], out[j]] = [out[j] as T, out[i] as T];
	}
	return out;
}

const ranksHash = (ranks: Uint32Array) =>
	createHash("sha256").update(ranks.join(",")).digest("hex");

describe("the published order, pinned", () => {
	it("gives the known order of 20 tickets and the known draws for one seed", () => {
		expect(shuffleOrder(oneTo(20), SEED)).toEqual([
			10, 5, 16, 8, 2, 3, 15, 4, 12, 14, 20, 13, 11, 19, 17, 18, 6, 7, 9, 1,
		]);
		const draw = seededDraw(SEED);
		const ranges = [1, 2, 3, 7, 1000, 65536, 2 ** 32, 2 ** 32 - 1, 3_000_000_000, 10, 100, 50_000];
		expect(ranges.map((n) => draw(n))).toEqual([
			0, 0, 0, 2, 694, 40058, 2036927082, 3189291193, 528089182, 8, 88, 32554,
		]);
	});

	it("gives the known ranks of 1, 2 and 50,000 tickets", () => {
		expect(ranksHash(shuffledRanks(1, SEED))).toBe(
			"7334821429a99561be94ccfc7b8d6f9b85af618fdb5e323f5fa3637c6947a349",
		);
		expect(ranksHash(shuffledRanks(2, SEED))).toBe(
			"7773ecd0eb2fd1b19f5d797d2bd25c4227f27e9d7a9e803211a8f539c5e6dfa3",
		);
		expect(ranksHash(shuffledRanks(50_000, SEED))).toBe(
			"8ce66051d390abe409b19a760d56a3e4eb5569c68fa2e70989e0f0a3abdd8b37",
		);
	});

	it("gives the known orders for seeds of other lengths and characters (block edges, UTF-8)", () => {
		const known: [string, number[]][] = [
			["", [2, 1, 6, 10, 7, 11, 4, 9, 3, 0, 5, 8]],
			["abc", [8, 3, 5, 11, 0, 9, 4, 7, 10, 2, 1, 6]],
			["é-ü-☃-😀", [6, 7, 11, 8, 1, 9, 0, 3, 5, 10, 2, 4]],
			["x".repeat(55), [3, 11, 2, 5, 1, 4, 6, 0, 10, 9, 7, 8]],
			["y".repeat(63), [7, 0, 5, 6, 4, 1, 10, 11, 2, 8, 9, 3]],
			["z".repeat(64), [6, 7, 5, 11, 2, 9, 4, 1, 10, 3, 8, 0]],
			["w".repeat(119), [7, 10, 0, 1, 2, 8, 3, 6, 11, 9, 4, 5]],
			["v".repeat(200), [4, 11, 0, 6, 5, 7, 3, 8, 2, 1, 9, 10]],
		];
		for (const [seed, order] of known) {
			expect(
				shuffleOrder(
					oneTo(12).map((i) => i - 1),
					seed,
				),
				seed,
			).toEqual(order);
		}
	});

	it("is the recipe's order at 50,000 tickets", () => {
		const expected = recipe(oneTo(50_000), SEED);
		const ranks = shuffledRanks(50_000, SEED);
		expected.forEach((seq, rank) => {
			if (ranks[seq] !== rank) expect({ seq, rank: ranks[seq] }).toEqual({ seq, rank });
		});
		expect(shuffleOrder(oneTo(50_000), SEED)).toEqual(expected);
	});

	it("is the recipe's order for any seed and list", { timeout: PROPERTY_TIMEOUT_MS }, () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 140 }), fc.nat({ max: 300 }), (seed, n) => {
				expect(shuffleOrder(oneTo(n), seed)).toEqual(recipe(oneTo(n), seed));
				const ranks = shuffledRanks(n, seed);
				recipe(oneTo(n), seed).forEach((seq, rank) => {
					expect(ranks[seq]).toBe(rank);
				});
			}),
			{ numRuns: 200 },
		);
	});

	it("is the order the room's start gives its pre-queue, tickets sold out before it included", () => {
		const T0 = Date.UTC(2026, 0, 1);
		const n = 3_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED, T0);
		const open = { available: 4, returnable: 0 };
		for (let i = 1; i <= n; i++) room.join(`s${i}`, `t${i}`, T0, T0 + 10, open);
		// A stock of nothing before the start: every pre-queue ticket turns sold_out, kept for the shuffle.
		room.advance(T0 + 1, T0 + 10, { available: 0, returnable: 0 });
		room.advance(T0 + 10, T0 + 10, open);
		const order = recipe(oneTo(n), SEED);
		order.forEach((seq, rank) => {
			const t = room.ticketOf(`s${seq}`);
			if (t?.rank !== rank) expect({ seq, rank: t?.rank }).toEqual({ seq, rank });
		});
	});
});
