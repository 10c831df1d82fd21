// A seeded generator, so a run can be repeated with `--seed` (buyers, quantities,
// keys and fates are drawn from it; the server's answers are of course its own).

/** mulberry32: tiny, fast, good enough to spread load; not for secrets. */
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
