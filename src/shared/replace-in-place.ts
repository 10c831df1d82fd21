// An object made equal to another while every nested record both hold stays the same object, so
// code that holds a reference to a part of it (a call in flight across its awaits) sees the new
// values (inventory/escrow-shard.ts `reloaded`,
// docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md). Arrays and other values are replaced.

export type Fields = Record<string, unknown>;

const isRecord = (v: unknown): v is Fields =>
	typeof v === "object" && v !== null && !Array.isArray(v);

/** `target` made equal to `source`, each record field that both hold kept as the same object. */
export function replaceInPlace(target: Fields, source: Fields): void {
	for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
	for (const [key, value] of Object.entries(source)) {
		const old = target[key];
		if (isRecord(old) && isRecord(value)) replaceInPlace(old, value);
		else target[key] = value;
	}
}
