// A binary min-heap keyed by a number. Holds expire in roughly insertion order,
// but `holdSeconds` can be patched mid-drop, so a FIFO queue is not enough.
// Entries are never removed from the middle: the owner skips stale ones when
// they reach the top (lazy deletion), which keeps every operation O(log n).
export class MinHeap<T> {
	private readonly items: { key: number; value: T }[] = [];

	get size(): number {
		return this.items.length;
	}

	push(key: number, value: T): void {
		const items = this.items;
		items.push({ key, value });
		let i = items.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			const p = items[parent] as { key: number; value: T };
			const c = items[i] as { key: number; value: T };
			if (p.key <= c.key) break;
			items[parent] = c;
			items[i] = p;
			i = parent;
		}
	}

	peekKey(): number | undefined {
		return this.items[0]?.key;
	}

	peekValue(): T | undefined {
		return this.items[0]?.value;
	}

	pop(): T | undefined {
		const items = this.items;
		const top = items[0];
		if (top === undefined) return undefined;
		const last = items.pop() as { key: number; value: T };
		if (items.length > 0) {
			items[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < items.length && (items[l]?.key ?? 0) < (items[m]?.key ?? 0)) m = l;
				if (r < items.length && (items[r]?.key ?? 0) < (items[m]?.key ?? 0)) m = r;
				if (m === i) break;
				const a = items[i] as { key: number; value: T };
				items[i] = items[m] as { key: number; value: T };
				items[m] = a;
				i = m;
			}
		}
		return top.value;
	}

	clear(): void {
		this.items.length = 0;
	}
}
