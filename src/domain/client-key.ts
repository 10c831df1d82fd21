// The key every per-address limit counts a client by (docs/rate-limits.md, "Client IPs"): an
// IPv4 address as it is, an IPv6 address by its network prefix (a /64 by default,
// RATE_LIMIT_IPV6_PREFIX). An ISP hands one home line a /64 or more and a cloud VM gets a /64,
// and a client picks a new source address inside it per connection (privacy extensions do so on
// their own), so the whole IPv6 address would give one client 2^64 "addresses". An IPv4-mapped
// IPv6 address (::ffff:a.b.c.d) is the IPv4 client it names, counted exactly.
//
// Pure and allocation-light: the edge calls it on every /api request, and an IPv4 address (no
// colon) is answered without parsing. Anything that is not an IP address (locally a client may
// send any CF-Connecting-IP, and a header-less request is "unknown") is its own key, as before.

/** The bounds and default of RATE_LIMIT_IPV6_PREFIX: coarser than a /48 would lump sites together. */
export const MIN_IPV6_PREFIX_BITS = 48;
export const MAX_IPV6_PREFIX_BITS = 128;
export const DEFAULT_IPV6_PREFIX_BITS = 64;

/** Longest textual IPv6 address with an embedded IPv4 (45) and a zone id, generously. */
const MAX_IPV6_CHARS = 64;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The client key of `ip`, with IPv6 addresses cut to their first `ipv6PrefixBits` bits. */
export function clientKey(ip: string, ipv6PrefixBits: number): string {
	if (!ip.includes(":")) return ip;
	if (!parseIpv6(ip, scratch)) return ip;
	if (isIpv4Mapped(scratch)) return ipv4Of(scratch);
	return prefixKey(scratch, ipv6PrefixBits);
}

/** True when `text` is an IPv4 or IPv6 address (what siteverify's `remoteip` takes). */
export function isIpAddress(text: string): boolean {
	if (text.includes(":")) return parseIpv6(text, scratch);
	const v4 = IPV4.exec(text);
	return v4?.slice(1).every((b) => Number(b) <= 255) ?? false;
}

/** The eight 16-bit groups of an IPv6 address, or null when `text` is not one. */
export function ipv6Groups(text: string): number[] | null {
	const groups = new Uint16Array(8);
	return parseIpv6(text, groups) ? Array.from(groups) : null;
}

/**
 * The groups of the address the edge parses now: one buffer, reused, since every /api request
 * from an IPv6 client comes through here and the key is made from it at once (synchronously).
 */
const scratch = new Uint16Array(8);
const COLON = 58;
const DOT = 46;

/** The value of hex digit `c` (a char code), or -1. */
function hexDigit(c: number): number {
	if (c >= 48 && c <= 57) return c - 48;
	if (c >= 97 && c <= 102) return c - 87;
	if (c >= 65 && c <= 70) return c - 55;
	return -1;
}

/**
 * Parses `text` (an IPv6 address, with at most one "::", an optional dotted IPv4 as the last piece
 * of either side of it, and an optional "%zone") into `out`, in one pass without allocating: the
 * edge keys every IPv6 client's request by it. False (and `out` meaningless) when it is not one.
 */
function parseIpv6(text: string, out: Uint16Array): boolean {
	if (text.length > MAX_IPV6_CHARS) return false;
	const zone = text.indexOf("%");
	const end = zone === -1 ? text.length : zone;
	let n = 0;
	let gap = -1;
	let i = 0;
	if (end >= 2 && text.charCodeAt(0) === COLON && text.charCodeAt(1) === COLON) {
		gap = 0;
		i = 2;
	}
	while (i < end) {
		const pieceStart = i;
		let value = 0;
		let digits = 0;
		while (i < end && digits <= 4) {
			const d = hexDigit(text.charCodeAt(i));
			if (d < 0) break;
			value = value * 16 + d;
			digits++;
			i++;
		}
		if (i < end && text.charCodeAt(i) === DOT) {
			// A dotted IPv4 as the piece's last: two groups, then the end or the "::".
			const stop = dottedEnd(text, pieceStart, end);
			if (stop < 0 || n > 6) return false;
			const v4 = dottedValue(text, pieceStart, stop);
			if (v4 < 0) return false;
			out[n++] = v4 >>> 16;
			out[n++] = v4 & 0xffff;
			i = stop;
			if (i === end) break;
			if (gap !== -1 || i + 1 >= end || text.charCodeAt(i + 1) !== COLON) return false;
			gap = n;
			i += 2;
			continue;
		}
		if (digits === 0 || digits > 4 || n === 8) return false;
		out[n++] = value;
		if (i === end) break;
		if (text.charCodeAt(i) !== COLON) return false;
		i++;
		if (i < end && text.charCodeAt(i) === COLON) {
			if (gap !== -1) return false;
			gap = n;
			i++;
		} else if (i === end) return false;
	}
	if (gap === -1) return n === 8;
	if (n > 7) return false;
	// Move the groups after the "::" to the end and zero the gap.
	const tail = n - gap;
	for (let k = 0; k < tail; k++) out[7 - k] = out[n - 1 - k] ?? 0;
	for (let k = gap; k < 8 - tail; k++) out[k] = 0;
	return true;
}

/** Where a dotted IPv4 starting at `from` ends (the next ':' or `end`), or -1 when a character is not a digit or dot. */
function dottedEnd(text: string, from: number, end: number): number {
	for (let i = from; i < end; i++) {
		const c = text.charCodeAt(i);
		if (c === COLON) return i;
		if (c !== DOT && (c < 48 || c > 57)) return -1;
	}
	return end;
}

/** a.b.c.d (each 1–3 digits, ≤ 255) as a 32-bit number, or -1. */
function dottedValue(text: string, from: number, to: number): number {
	const v4 = IPV4.exec(text.slice(from, to));
	if (v4 === null) return -1;
	let value = 0;
	for (let k = 1; k <= 4; k++) {
		const b = Number(v4[k]);
		if (b > 255) return -1;
		value = value * 256 + b;
	}
	return value;
}

/** ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
function isIpv4Mapped(groups: Uint16Array): boolean {
	for (let i = 0; i < 5; i++) if (groups[i] !== 0) return false;
	return groups[5] === 0xffff;
}

function ipv4Of(groups: Uint16Array): string {
	const hi = groups[6] ?? 0;
	const lo = groups[7] ?? 0;
	return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The first `bits` bits, the rest zero, as eight lower-case groups and the prefix length. */
function prefixKey(groups: Uint16Array, bits: number): string {
	let out = "";
	for (let i = 0; i < 8; i++) {
		const kept = Math.min(16, Math.max(0, bits - i * 16));
		const mask = kept === 0 ? 0 : (0xffff << (16 - kept)) & 0xffff;
		const group = (groups[i] ?? 0) & mask;
		out += i === 0 ? "" : ":";
		out += group === 0 ? "0" : group.toString(16);
	}
	return `${out}/${bits}`;
}
