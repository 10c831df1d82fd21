// SHA-256 (FIPS 180-4), synchronous and pure. The waiting room draws its shuffle
// from a seed by hashing in counter mode inside the SKU object's synchronous
// group commit, where Web Crypto's promise-returning digest cannot run; the
// verifier (cli/verify-queue.ts) runs this same function, so both sides agree
// byte for byte. test/unit/waiting-room-shuffle.test.ts holds it against node:crypto, and
// test/unit/waiting-room-shuffle-vectors.test.ts the shuffle drawn from it against known
// vectors. Written for speed (docs/decisions/146-the-room-start-at-50000-tickets.md): a
// 50,000-ticket room's start draws from about 6,300 digests in one turn of the object.

const K = new Int32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The digest of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
	const state = Int32Array.from(H0);
	const whole = data.length - (data.length % 64);
	const w = new Int32Array(64);
	compress(state, w, data, 0, whole);
	const tail = new Uint8Array(128);
	tail.set(data.subarray(whole));
	compress(state, w, tail, 0, finish(tail, data.length - whole, data.length));
	const out = new Uint8Array(32);
	for (let i = 0; i < 8; i++) {
		const word = state[i] as number;
		out[i * 4] = word >>> 24;
		out[i * 4 + 1] = word >>> 16;
		out[i * 4 + 2] = word >>> 8;
		out[i * 4 + 3] = word;
	}
	return out;
}

/**
 * The digests of `prefix` followed by a counter's decimal digits (ASCII), for counter 0, 1, 2, …:
 * what the shuffle draws from. The prefix's whole 64-byte blocks are hashed once and their state
 * kept, and each call hashes only what follows, in buffers made once; the digest is written to
 * `out` as its eight big-endian 32-bit words (the state's own words), the way the draws read it.
 * The same digest as `sha256(prefix ‖ digits)` (test/unit/waiting-room-shuffle-vectors.test.ts).
 */
export function counterDigests(prefix: Uint8Array): (counter: number, out: Uint32Array) => void {
	const whole = prefix.length - (prefix.length % 64);
	const start = Int32Array.from(H0);
	const w = new Int32Array(64);
	compress(start, w, prefix, 0, whole);
	const rest = prefix.subarray(whole);
	// The rest (< 64 bytes), the digits (at most 21) and the padding (9 bytes) fit in two blocks.
	const block = new Uint8Array(128);
	const state = new Int32Array(8);
	return (counter, out) => {
		const digits = String(counter);
		block.fill(0);
		block.set(rest);
		for (let i = 0; i < digits.length; i++) block[rest.length + i] = digits.charCodeAt(i);
		const tailLength = rest.length + digits.length;
		state.set(start);
		compress(state, w, block, 0, finish(block, tailLength, whole + tailLength));
		for (let i = 0; i < 8; i++) out[i] = (state[i] as number) >>> 0;
	};
}

/** SHA-256 of the UTF-8 bytes of `text`, lowercase hex. */
export function sha256HexSync(text: string): string {
	let s = "";
	for (const byte of sha256(new TextEncoder().encode(text)))
		s += byte.toString(16).padStart(2, "0");
	return s;
}

const H0 = [
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/**
 * Pads the message's last `tailLength` bytes, already at the start of `tail` (zeros after them),
 * for a message of `messageLength` bytes: the 0x80 byte, then the length in bits in the last 8
 * bytes of the last block. Returns how many bytes to hash (64 or 128).
 */
function finish(tail: Uint8Array, tailLength: number, messageLength: number): number {
	tail[tailLength] = 0x80;
	const end = tailLength + 9 <= 64 ? 64 : 128;
	// Lengths here stay far below 2^32 bits (seeds and short strings), but write both words.
	const high = Math.floor(messageLength / 0x20000000);
	const low = (messageLength * 8) >>> 0;
	tail[end - 8] = high >>> 24;
	tail[end - 7] = high >>> 16;
	tail[end - 6] = high >>> 8;
	tail[end - 5] = high;
	tail[end - 4] = low >>> 24;
	tail[end - 3] = low >>> 16;
	tail[end - 2] = low >>> 8;
	tail[end - 1] = low;
	return end;
}

/**
 * The compression function over `bytes[offset, offset + length)` (whole blocks), into `state`.
 * Int32 arithmetic (`| 0`) and locals throughout: no allocation, no iterator, no DataView, so the
 * engine keeps every value a small integer.
 */
function compress(
	state: Int32Array,
	w: Int32Array,
	bytes: Uint8Array,
	offset: number,
	length: number,
): void {
	for (let p = offset; p < offset + length; p += 64) {
		for (let i = 0; i < 16; i++) {
			const j = p + i * 4;
			w[i] =
				((bytes[j] as number) << 24) |
				((bytes[j + 1] as number) << 16) |
				((bytes[j + 2] as number) << 8) |
				(bytes[j + 3] as number);
		}
		for (let i = 16; i < 64; i++) {
			const x = w[i - 15] as number;
			const y = w[i - 2] as number;
			const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
			const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
			w[i] = (((w[i - 16] as number) + s0) | 0) + (((w[i - 7] as number) + s1) | 0);
		}
		let a = state[0] as number;
		let b = state[1] as number;
		let c = state[2] as number;
		let d = state[3] as number;
		let e = state[4] as number;
		let f = state[5] as number;
		let g = state[6] as number;
		let h = state[7] as number;
		for (let i = 0; i < 64; i++) {
			const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
			const ch = (e & f) ^ (~e & g);
			const t1 = (((h + s1) | 0) + ((ch + (((K[i] as number) + (w[i] as number)) | 0)) | 0)) | 0;
			const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
			const maj = (a & b) ^ (a & c) ^ (b & c);
			h = g;
			g = f;
			f = e;
			e = (d + t1) | 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + ((s0 + maj) | 0)) | 0;
		}
		state[0] = ((state[0] as number) + a) | 0;
		state[1] = ((state[1] as number) + b) | 0;
		state[2] = ((state[2] as number) + c) | 0;
		state[3] = ((state[3] as number) + d) | 0;
		state[4] = ((state[4] as number) + e) | 0;
		state[5] = ((state[5] as number) + f) | 0;
		state[6] = ((state[6] as number) + g) | 0;
		state[7] = ((state[7] as number) + h) | 0;
	}
}
