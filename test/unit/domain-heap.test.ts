// The expiry heap against the obvious reference: a sorted array.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap } from "../../src/domain/heap.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

type HeapOp = { kind: "push"; key: number } | { kind: "pop" } | { kind: "clear" };

const heapOp: fc.Arbitrary<HeapOp> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("push" as const),
			key: fc.integer({ min: -50, max: 50 }),
		}),
	},
	{ weight: 4, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
);

describe("MinHeap", () => {
	it("always yields the smallest key, like a sorted array", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(fc.array(heapOp, { maxLength: 300, size: "max" }), (ops) => {
				const heap = new MinHeap<number>();
				// Reference: entries kept sorted by key; values are unique ids.
				let reference: { key: number; value: number }[] = [];
				let nextValue = 0;
				for (const o of ops) {
					if (o.kind === "push") {
						const value = nextValue++;
						heap.push(o.key, value);
						reference.push({ key: o.key, value });
						reference.sort((a, b) => a.key - b.key);
					} else if (o.kind === "pop") {
						const minKey = reference[0]?.key;
						expect(heap.peekKey()).toBe(minKey);
						const value = heap.pop();
						if (minKey === undefined) {
							expect(value).toBeUndefined();
							continue;
						}
						// Ties may come out in any order, but the value must be one with the smallest key.
						const at = reference.findIndex((e) => e.value === value);
						expect(at).toBeGreaterThanOrEqual(0);
						expect(reference[at]?.key).toBe(minKey);
						reference.splice(at, 1);
					} else {
						heap.clear();
						reference = [];
					}
					expect(heap.size).toBe(reference.length);
					expect(heap.peekKey()).toBe(reference[0]?.key);
					if (reference.length > 0) {
						const top = heap.peekValue();
						expect(reference.find((e) => e.value === top)?.key).toBe(reference[0]?.key);
					}
				}
				// Draining what is left gives the keys in ascending order.
				const rest: number[] = [];
				for (let k = heap.peekKey(); k !== undefined; k = heap.peekKey()) {
					rest.push(k);
					heap.pop();
				}
				expect(rest).toEqual(reference.map((e) => e.key));
			}),
			{ numRuns: 300 },
		);
	});

	it("is empty when new and after draining", () => {
		const heap = new MinHeap<string>();
		expect(heap.pop()).toBeUndefined();
		expect(heap.peekKey()).toBeUndefined();
		heap.push(2, "b");
		heap.push(1, "a");
		expect([heap.pop(), heap.pop(), heap.pop()]).toEqual(["a", "b", undefined]);
		expect(heap.size).toBe(0);
	});
});
