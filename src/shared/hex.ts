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

const CLOCK_HEX = /^[0-9a-f]{12}$/;

/**
 * When an id of the form `<prefix>_<clockHex><…>` (src/worker/ids.ts) was minted, by the clock
 * that minted it; null for an id that does not start so.
 */
export function clockOfId(id: string): number | null {
	const at = id.indexOf("_") + 1;
	if (at === 0) return null;
	const text = id.slice(at, at + CLOCK_HEX_DIGITS);
	return CLOCK_HEX.test(text) ? Number.parseInt(text, 16) : null;
}

/** Random bytes drawn at once for many ids: one getRandomValues call per hundreds of ids. */
const RANDOM_POOL_BYTES = 4_096;
const randomPool = new Uint8Array(RANDOM_POOL_BYTES);
let randomPoolAt = RANDOM_POOL_BYTES;
/** Two hex digits per byte value, built once. */
const HEX_OF_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * `bytes` random bytes as hex, from a pool of crypto.getRandomValues: ids minted on every reserve
 * attempt and every payment, where a fresh array and a string per byte were a few per cent of what
 * a request allocates (docs/hot-path/edge-cost.md, "Edge CPU of a reserve and a sold-out answer"). No byte
 * is used twice. For ids, not for secrets kept in memory longer than an id is (tokens use randomHex).
 */
export function pooledRandomHex(bytes: number): string {
	if (bytes > RANDOM_POOL_BYTES) throw new RangeError(`at most ${RANDOM_POOL_BYTES} bytes`);
	if (randomPoolAt + bytes > RANDOM_POOL_BYTES) {
		crypto.getRandomValues(randomPool);
		randomPoolAt = 0;
	}
	let out = "";
	for (let i = 0; i < bytes; i++) out += HEX_OF_BYTE[randomPool[randomPoolAt + i] as number];
	randomPoolAt += bytes;
	return out;
}
