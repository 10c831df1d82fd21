// The key every per-address limit counts a client by (src/domain/client-key.ts): an IPv6 client
// by its /64 (RATE_LIMIT_IPV6_PREFIX), IPv4 and IPv4-mapped addresses exactly, anything else as
// it came.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	clientKey,
	DEFAULT_IPV6_PREFIX_BITS,
	ipv6Groups,
	isIpAddress,
} from "../../src/domain/client-key.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const key = (ip: string) => clientKey(ip, DEFAULT_IPV6_PREFIX_BITS);

describe("clientKey", () => {
	it("counts every address of one IPv6 /64 as one client, another /64 as another", () => {
		expect(key("2001:db8:1:2::1")).toBe(key("2001:db8:1:2:ffff::9"));
		expect(key("2001:db8:1:2::1")).toBe(key("2001:0DB8:0001:0002:abcd:ef01:2345:6789"));
		expect(key("2001:db8:1:2::1")).toBe("2001:db8:1:2:0:0:0:0/64");
		expect(key("2001:db8:1:3::1")).not.toBe(key("2001:db8:1:2::1"));
	});

	it("keeps IPv4 exact, and an IPv4-mapped IPv6 address is the IPv4 client it names", () => {
		expect(key("198.51.100.7")).toBe("198.51.100.7");
		expect(key("198.51.100.8")).not.toBe(key("198.51.100.7"));
		expect(key("::ffff:198.51.100.7")).toBe("198.51.100.7");
		expect(key("::FFFF:c633:6407")).toBe("198.51.100.7");
		expect(key("::ffff:198.51.100.8")).not.toBe(key("::ffff:198.51.100.7"));
	});

	it("follows the prefix setting: /48 joins a site's /64s, /128 counts each address", () => {
		expect(clientKey("2001:db8:1:2::1", 48)).toBe(clientKey("2001:db8:1:ffff::1", 48));
		expect(clientKey("2001:db8:1:2::1", 48)).not.toBe(clientKey("2001:db8:2:2::1", 48));
		expect(clientKey("2001:db8:1:2::1", 128)).not.toBe(clientKey("2001:db8:1:2::2", 128));
		expect(clientKey("2001:db8:1:2::1", 56)).toBe(clientKey("2001:db8:1:ff::1", 56));
		expect(clientKey("2001:db8:1:2::1", 56)).not.toBe(clientKey("2001:db8:1:100::1", 56));
	});

	it("leaves what is not an IP address as it came (locally a client may send anything)", () => {
		for (const raw of ["unknown", "1:2:3", "1::2::3", "::g", "1:2:3:4:5:6:7:8:9", "a".repeat(200)])
			expect(key(raw)).toBe(raw);
		expect(key("fe80::1%eth0")).toBe(key("fe80::2"));
		expect(key("::1")).toBe("0:0:0:0:0:0:0:0/64");
	});

	it("tells an IP address (siteverify's remoteip) from anything else", () => {
		for (const ip of ["203.0.113.9", "2001:db8::1", "::ffff:203.0.113.9"])
			expect(isIpAddress(ip)).toBe(true);
		for (const raw of ["unknown", "256.1.1.1", "1.2.3", "1::2::3", ""])
			expect(isIpAddress(raw)).toBe(false);
	});

	it(
		"the key of any address is the key of any other address with the same first bits",
		() => {
			const group = fc.integer({ min: 0, max: 0xffff });
			const address = fc.array(group, { minLength: 8, maxLength: 8 });
			fc.assert(
				fc.property(address, address, fc.integer({ min: 48, max: 128 }), (a, b, bits) => {
					// Not IPv4-mapped: those are keyed as IPv4, tested above.
					fc.pre(!(a.slice(0, 5).every((g) => g === 0) && a[5] === 0xffff));
					const samePrefix = a.map((g, i) => {
						const kept = Math.min(16, Math.max(0, bits - i * 16));
						const mask = kept === 0 ? 0 : (0xffff << (16 - kept)) & 0xffff;
						return (g & mask) | ((b[i] ?? 0) & ~mask & 0xffff);
					});
					const text = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
					expect(ipv6Groups(text(a))).toEqual(a);
					expect(clientKey(text(a), bits)).toBe(clientKey(text(samePrefix), bits));
					if (bits === 128) expect(samePrefix).toEqual(a);
				}),
				{ numRuns: 500 },
			);
		},
		PROPERTY_TIMEOUT_MS,
	);
	it(
		"every way of writing an address (a '::' anywhere it fits, upper case, a dotted IPv4 tail) parses to its groups",
		() => {
			const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
			const address = fc.array(group, { minLength: 8, maxLength: 8 });
			fc.assert(
				fc.property(
					address,
					fc.integer({ min: 0, max: 7 }),
					fc.integer({ min: 1, max: 8 }),
					fc.boolean(),
					fc.boolean(),
					(a, from, length, upper, dotted) => {
						const hex = (gs: number[]) => gs.map((g) => g.toString(16));
						let pieces = hex(a);
						if (dotted) {
							const [hi, lo] = [a[6] ?? 0, a[7] ?? 0];
							pieces = [...pieces.slice(0, 6), `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`];
						}
						// A run of zero groups inside the pieces may be written "::".
						const to = Math.min(from + length, dotted ? 6 : 8);
						const zeros = to > from && a.slice(from, to).every((g) => g === 0);
						let text = zeros
							? `${pieces.slice(0, from).join(":")}::${pieces.slice(to).join(":")}`
							: pieces.join(":");
						if (upper) text = text.toUpperCase();
						expect(ipv6Groups(text), text).toEqual(a);
						expect(clientKey(text, 64)).toBe(clientKey(hex(a).join(":"), 64));
					},
				),
				{ numRuns: 1000 },
			);
		},
		PROPERTY_TIMEOUT_MS,
	);

	it("a dotted IPv4 only as the last piece, a group of at most four digits, one '::'", () => {
		for (const raw of [
			"1.2.3.4:1::",
			"1:2:3:4:5:6:7:1.2.3.4",
			"::12345",
			"1::2::3",
			"::1.2.3.256",
			"::1.2.3",
			"1:",
		])
			expect(ipv6Groups(raw), raw).toBeNull();
		expect(ipv6Groups("::1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0x102, 0x304]);
		expect(ipv6Groups("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
	});
});
