// What the checkout driver (checkout-driver.ts) and the writer of its sagas' steps
// (saga-writer.ts) need from the SKU object that owns them (sku-object-parts.ts builds it).

import type { Hold, Inventory } from "../domain/inventory.ts";

/** What the driver needs from the object that owns it. */
export interface SagaHost {
	inventory(): Inventory | null;
	/** A hold, active or settled. */
	hold(id: string): Hold | null;
	/** Writes the model's changes (holds, outbox) in the caller's synchronous turn. */
	persist(): void;
	/**
	 * Drains the model's changes to be written later in this task, with the other steps
	 * staged before it, before any reply (src/inventory/state-writer.ts stage). Called only
	 * after a step's savepoint was released.
	 */
	stage(): void;
	/** Staged saga rows failed to write in their microtask: the object must restart from storage. */
	broken(error: unknown): void;
	/** The object's alarm fires no later than this. */
	wake(atMs: number): void;
	/** The decision time of a batch: the clock after the object's lazy expiry. */
	now(): number;
	/**
	 * Runs `fn` in a savepoint: a throw rolls back its writes and rebuilds the model
	 * from storage, so one request's bug never leaves half a step behind.
	 */
	atomically<T>(fn: () => T): T;
}
