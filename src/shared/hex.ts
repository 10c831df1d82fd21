// Bytes as lowercase hex, for ids, tokens and digests. Runtime-neutral: the
// Worker, the object, the UI (its mock backend, idempotency keys) and the tests.

export function hex(bytes: Uint8Array): string {
	let out = "";
	for (const b of bytes) out += b.toString(16).padStart(2, "0");
	return out;
}

/** `bytes` random bytes as hex (crypto.getRandomValues: unlike randomUUID it needs no secure context). */
export function randomHex(bytes: number): string {
	return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Hex digits of a clock reading: milliseconds since 1970 fit 12 of them for 8,900 years. */
const CLOCK_HEX_DIGITS = 12;

/**
 * The clock as 12 hex digits, for ids that start with it: ids minted one after another then sort
 * one after another, so a table keyed by them appends instead of writing to random leaves of its
 * index (docs/decisions/042-edge-reserve-cpu.md).
 */
export function clockHex(nowMs = Date.now()): string {
	return nowMs.toString(16).padStart(CLOCK_HEX_DIGITS, "0");
}
