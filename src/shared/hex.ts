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
