// A split SKU's coordinator cut off from its other shards, for the workers tests of what a
// coordinator leaves owed when its calls to them fail (split-reset-owed, split-reset-owed-answer,
// split-reset-keeps-new, split-reset-keeps-state, split-reset-late-counts, split-settings-crash,
// split-cut; docs/decisions/118-split-settings-owed.md, 124).
// The coordinator reaches its shards through `peerStub` (src/inventory/sku-object-peers.ts);
// put in its place, a stub whose every call fails stands for a shard that is restarting or
// cannot be reached.

import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { KeyedReset } from "../../src/inventory/reset-keys.ts";
import { stubOf } from "./objects.ts";

/** The SKU's coordinator (shard 0): the object named by the SKU itself. */
export const coordinator = stubOf;

/** A stub whose every call fails (`then` absent, so awaiting the stub itself does not). */
const unreachable = (): unknown =>
	new Proxy(
		{},
		{
			get: (_t, prop) =>
				prop === "then" ? undefined : () => Promise.reject(new Error("unreachable (test)")),
		},
	);

type WithPeers = { peerStub?: (index: number) => unknown };

/** Runs `act` inside the coordinator while none of its other shards can be reached. */
export async function insideWithShardsUnreachable<T>(
	sku: string,
	act: (coordinator: InventoryObject) => Promise<T>,
): Promise<T> {
	return runInDurableObject(coordinator(sku), async (instance: InventoryObject) => {
		const object = instance as unknown as WithPeers;
		object.peerStub = unreachable;
		try {
			return await act(instance);
		} finally {
			delete object.peerStub;
		}
	});
}

/** Runs `fn` (e.g. HTTP calls) while the coordinator reaches none of its other shards. */
export async function withShardsUnreachable<T>(sku: string, fn: () => Promise<T>): Promise<T> {
	await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
		(instance as unknown as WithPeers).peerStub = unreachable;
	});
	try {
		return await fn();
	} finally {
		await runInDurableObject(coordinator(sku), (instance: InventoryObject) => {
			delete (instance as unknown as WithPeers).peerStub;
		});
	}
}

/** One call of the coordinator to a shard, as `aroundShardCalls` hands it to a test. */
export type ShardCall = {
	index: number;
	method: string;
	args: unknown[];
	/** Makes the real call to the shard. */
	call: () => Promise<unknown>;
};

/**
 * Sends every call the coordinator makes to its shards through `around` (a test's pause or count
 * around the real call); `delete object.peerStub` inside the coordinator restores them.
 */
export function aroundShardCalls(
	instance: InventoryObject,
	around: (c: ShardCall) => Promise<unknown>,
): void {
	const object = instance as unknown as { peerStub: (index: number) => unknown };
	const real = object.peerStub.bind(instance);
	object.peerStub = (index) => {
		const stub = real(index) as Record<string, (...args: unknown[]) => Promise<unknown>>;
		return new Proxy(
			{},
			{
				get: (_t, key) => {
					const method = String(key);
					if (method === "then") return undefined;
					return (...args: unknown[]) =>
						around({ index, method, args, call: async () => stub[method]?.(...args) });
				},
			},
		);
	};
}

/** The coordinator restarts as after a crash (its in-memory state gone, its storage kept). */
export async function crashCoordinator(sku: string): Promise<void> {
	await runInDurableObject(coordinator(sku), (_instance, state) => {
		state.abort("crashed by the test");
	}).catch(() => {});
}

/**
 * The coordinator resets (under `keyed`, if any) while no other shard can be reached: its own
 * reset is done, its answer is an error, and the other shards owe theirs.
 */
export async function resetWithShardsUnreachable(
	sku: string,
	keyed: KeyedReset | null = null,
): Promise<void> {
	await insideWithShardsUnreachable(sku, (instance) =>
		expect(Promise.resolve(instance.reset(keyed))).rejects.toThrow(),
	);
}
