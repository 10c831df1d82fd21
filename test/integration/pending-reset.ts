// A reset of the SKU whose event the SKU's object has recorded but not yet copied to D1: its
// outbox row, put there directly, so eventual mode's reads meet "a reset not yet in D1"
// (docs/decisions/066-eventual-reset-live-with-and-payment-methods.md). Used by
// eventual-reset-pending, session-holds-eventual and session-holds-eventual-cost.

import { runInDurableObject } from "cloudflare:test";

/** Past any seq these tests reach, so the row sorts after the object's own. */
export const PENDING_SEQ = 1_000_000;

/** Records, in `stub` (the SKU's object, or a split SKU's coordinator), the reset event of `sku`. */
export async function pendReset(
	stub: DurableObjectStub,
	sku: string,
	totalStock: number,
	seq = PENDING_SEQ,
): Promise<void> {
	const row = JSON.stringify([
		"inventory.reset",
		`${sku}:${seq}`,
		sku,
		seq,
		new Date().toISOString(),
		null,
		null,
		null,
		null,
		JSON.stringify({ totalStock }),
	]);
	await runInDurableObject(stub, (_instance, state) => {
		state.storage.sql.exec("INSERT INTO outbox (seq, event) VALUES (?, ?)", seq, row);
	});
}
