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
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The client key of `ip`, with IPv6 addresses cut to their first `ipv6PrefixBits` bits. */
export function clientKey(ip: string, ipv6PrefixBits: number): string {
	if (!ip.includes(":")) return ip;
	const groups = ipv6Groups(ip);
	if (groups === null) return ip;
	if (isIpv4Mapped(groups)) return ipv4Of(groups);
	return prefixKey(groups, ipv6PrefixBits);
}

/** True when `text` is an IPv4 or IPv6 address (what siteverify's `remoteip` takes). */
export function isIpAddress(text: string): boolean {
	if (text.includes(":")) return ipv6Groups(text) !== null;
	const v4 = IPV4.exec(text);
	return v4?.slice(1).every((b) => Number(b) <= 255) ?? false;
}

/** The eight 16-bit groups of an IPv6 address, or null when `text` is not one. */
export function ipv6Groups(text: string): number[] | null {
	if (text.length > MAX_IPV6_CHARS) return null;
	const zone = text.indexOf("%");
	const address = zone === -1 ? text : text.slice(0, zone);
	const halves = address.split("::");
	if (halves.length > 2) return null;
	const head = parseGroups(halves[0] ?? "");
	const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
	if (head === null || tail === null) return null;
	const missing = 8 - head.length - tail.length;
	if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
	return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** "a:b:c" (and a trailing dotted IPv4 as two groups) as numbers; "" is none. */
function parseGroups(part: string): number[] | null {
	if (part === "") return [];
	const pieces = part.split(":");
	const groups: number[] = [];
	for (let i = 0; i < pieces.length; i++) {
		const piece = pieces[i] ?? "";
		if (i === pieces.length - 1 && piece.includes(".")) {
			const v4 = IPV4.exec(piece);
			if (v4 === null) return null;
			const bytes = v4.slice(1).map(Number);
			if (bytes.some((b) => b > 255)) return null;
			groups.push(
				((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0),
				((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0),
			);
			continue;
		}
		if (!HEX_GROUP.test(piece)) return null;
		groups.push(Number.parseInt(piece, 16));
	}
	return groups;
}

/** ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
function isIpv4Mapped(groups: readonly number[]): boolean {
	for (let i = 0; i < 5; i++) if (groups[i] !== 0) return false;
	return groups[5] === 0xffff;
}

function ipv4Of(groups: readonly number[]): string {
	const hi = groups[6] ?? 0;
	const lo = groups[7] ?? 0;
	return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The first `bits` bits, the rest zero, as eight lower-case groups and the prefix length. */
function prefixKey(groups: readonly number[], bits: number): string {
	const out: string[] = [];
	for (let i = 0; i < 8; i++) {
		const kept = Math.min(16, Math.max(0, bits - i * 16));
		const mask = kept === 0 ? 0 : (0xffff << (16 - kept)) & 0xffff;
		out.push(((groups[i] ?? 0) & mask).toString(16));
	}
	return `${out.join(":")}/${bits}`;
}
