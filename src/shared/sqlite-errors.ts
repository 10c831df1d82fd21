// A Durable Object's own SQLite that could not write or read: its disk full, an I/O error, out of
// memory, busy. workerd throws SQLite's message with its code after it ("database or disk is
// full: SQLITE_FULL", then "(extended: …)" when there is one), and the message crosses the RPC.
// The Worker answers it 503 (worker/app.ts); the SKU's object reads its model again from storage
// after it (inventory/decide-group.ts for a batch, sku-object-operator.ts for an operator's call:
// docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md). A constraint or any other SQLite
// error is the code's, not the disk's.

const OBJECT_STORAGE_FAILED = /: SQLITE_(FULL|IOERR|NOMEM|BUSY)\b/;

export function objectStorageFailed(error: unknown): boolean {
	return error instanceof Error && OBJECT_STORAGE_FAILED.test(error.message);
}
