// The waiting room's verifiable order (docs/waiting-room.md, "Fairness"): a seed
// committed (its SHA-256 published) when the room is enabled and revealed at the
// start, and the shuffle of the pre-queue drawn from it. Pure functions of the seed
// and the arrival order, so anyone can recompute them from the audit trail
// (cli/verify-queue/check.ts does); the room's rules are in domain/waiting-room.ts.

import { counterDigests, sha256HexSync } from "./sha256.ts";

/** Seeds are this many random bytes, published as lowercase hex. */
export const SEED_BYTES = 32;

/** The SHA-256 (hex) of the seed's hex text: what is published when the room is enabled. */
export function commitmentOf(seed: string): string {
	return sha256HexSync(seed);
}

/**
 * A uniform integer in [0, n) drawn from a byte stream: SHA-256 of
 * `${seed}:${counter}` (UTF-8, counter 0, 1, 2, … in decimal), each digest read
 * as eight big-endian 32-bit words; a word at or above the largest multiple of
 * n below 2^32 is skipped so no value is favoured.
 */
export function seededDraw(seed: string): (n: number) => number {
	// The bytes of `${seed}:${counter}` are those of `${seed}:` then the counter's ASCII digits.
	const digest = counterDigests(new TextEncoder().encode(`${seed}:`));
	const words = new Uint32Array(8);
	let counter = 0;
	let next = 8;
	const word = (): number => {
		if (next === 8) {
			digest(counter, words);
			counter += 1;
			next = 0;
		}
		const w = words[next] as number;
		next += 1;
		return w;
	};
	return (n: number): number => {
		if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError(`bad range ${n}`);
		const limit = Math.floor(0x100000000 / n) * n;
		for (;;) {
			const w = word();
			if (w < limit) return w % n;
		}
	};
}

/**
 * The shuffle as places: `places[k]` is the 0-based index, in arrival order, of the item the
 * shuffle puts at place k. Fisher–Yates on the indices 0..count−1 makes the same draws and swaps
 * as on the items themselves (it depends only on the seed and the list's length), on a typed
 * array: no list of items is copied and swapped (docs/decisions/146-the-room-start-at-50000-tickets.md).
 */
export function shuffledPlaces(count: number, seed: string): Uint32Array {
	const places = new Uint32Array(count);
	for (let i = 0; i < count; i++) places[i] = i;
	const draw = seededDraw(seed);
	for (let i = count - 1; i > 0; i--) {
		const j = draw(i + 1);
		const a = places[i] as number;
		places[i] = places[j] as number;
		places[j] = a;
	}
	return places;
}

/**
 * The rank the start gave each arrival number of a pre-queue of `count` tickets (arrival numbers
 * 1..count, the pre-queue in arrival order): `ranks[seq]` is that ticket's 0-based place in
 * `shuffleOrder`. The shuffle depends only on the seed and the list's length, so the ranks are
 * recomputable from the seed and the count alone (domain/waiting-room-state.ts, at a load); and
 * `ranks[i + 1]` is the place of the list's i-th item (0-based) for any list of `count` items.
 */
export function shuffledRanks(count: number, seed: string): Uint32Array {
	const places = shuffledPlaces(count, seed);
	const ranks = new Uint32Array(count + 1);
	for (let rank = 0; rank < count; rank++) ranks[(places[rank] as number) + 1] = rank;
	return ranks;
}

/**
 * The pre-queue's order at the start: Fisher–Yates (from the last place down,
 * swap place i with a draw in [0, i]) over `items` in arrival order. A pure
 * function of the seed and the list: cli/verify-queue.ts recomputes it.
 */
export function shuffleOrder<T>(items: readonly T[], seed: string): T[] {
	return Array.from(shuffledPlaces(items.length, seed), (i) => items[i] as T);
}
