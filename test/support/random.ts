// A seeded generator and what the tests and the drop simulator draw from it, so
// a run can be repeated (`npm run drop -- --seed`, a test's fixed seed).
// Runtime-neutral: imported by unit tests, by tests running inside workerd and by
// the CLI, so no node: modules here.

/** mulberry32: tiny, fast, good enough to spread load and timings; not for secrets. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** An integer in [0, n). */
export function pick(random: () => number, n: number): number {
	return Math.floor(random() * n);
}

/** Fisher–Yates, in place. */
export function shuffle<T>(random: () => number, items: T[]): T[] {
	for (let i = items.length - 1; i > 0; i--) {
		const j = pick(random, i + 1);
		const tmp = items[i] as T;
		items[i] = items[j] as T;
		items[j] = tmp;
	}
	return items;
}

/**
 * `n` irregular gaps between `minMs` and `maxMs` (whole ms), seeded: an eager
 * person clicking, never a rhythm a script keeps.
 */
export function irregularGapsMs(n: number, seed: number, minMs: number, maxMs: number): number[] {
	const random = seededRandom(seed);
	return Array.from({ length: n }, () => minMs + Math.round(random() * (maxMs - minMs)));
}

/** Running sums of `gapsMs` from `startMs`: the moments the gaps separate (the first gap included). */
export function offsetsMs(gapsMs: readonly number[], startMs = 0): number[] {
	let t = startMs;
	return gapsMs.map((g) => {
		t += g;
		return t;
	});
}

/**
 * A token as `openssl rand -hex 32` makes one (64 hex characters), drawn fresh from the platform's
 * CSPRNG: a test that needs a token production takes makes its own, as a committed one is refused
 * (src/shared/config-rules.ts COMMITTED_TOKENS).
 */
export function randomHexToken(): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) =>
		byte.toString(16).padStart(2, "0"),
	).join("");
}
