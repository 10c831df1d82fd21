// What a local server judges a request by (src/shared/local-host.ts): the host name cut
// out of the raw `Host` header, without port or final dot, loopback names (and other spellings of
// a loopback address) told apart from names that merely contain one; and the `Origin` a browser
// sends, which must be a page on such a host.
import { describe, expect, it } from "vitest";
import { hostnameOf, isLocalHost, localRequestProblem } from "../../src/shared/local-host.ts";

describe("hostnameOf", () => {
	it("cuts the host name out of a Host header, without port, final dot or case", () => {
		const cases: [string, string][] = [
			["127.0.0.1:8787", "127.0.0.1"],
			["LOCALHOST", "localhost"],
			["localhost.:8787", "localhost"],
			["[::1]:8787", "[::1]"],
			["[::1]", "[::1]"],
			["attacker.example:8787", "attacker.example"],
		];
		for (const [host, name] of cases) expect(hostnameOf(host), host).toBe(name);
	});
});

describe("isLocalHost", () => {
	it("takes loopback names and the listed ones, nothing that only contains them", () => {
		for (const host of ["localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]"])
			expect(isLocalHost(host, []), host).toBe(true);
		expect(isLocalHost("dev.box.test", ["dev.box.test"])).toBe(true);
		for (const host of [
			"localhost.example.com",
			"evil-localhost",
			"127.0.0.1.nip.io",
			"0.0.0.0",
			"[::ffff:127.0.0.1]",
			"dev.box.test",
			"",
			"evil@localhost",
			"localhost/x",
			"localhost?.evil.example",
			"localhost#.evil.example",
			"evil.example\\@localhost",
		])
			expect(isLocalHost(host, []), host).toBe(false);
	});

	it("takes other spellings of a loopback address, as npm run dev's proxy normalises them", () => {
		for (const host of ["127.1", "0x7f000001", "2130706433", "[0:0:0:0:0:0:0:1]"])
			expect(isLocalHost(host, []), host).toBe(true);
		for (const host of ["10.1", "0x0a000001", "[0:0:0:0:0:0:0:2]"])
			expect(isLocalHost(host, []), host).toBe(false);
	});
});

describe("localRequestProblem", () => {
	const none: readonly string[] = [];

	it("refuses a foreign Host, and a missing one, naming what it saw", () => {
		expect(localRequestProblem("localhost:8787", undefined, none)).toBeNull();
		expect(localRequestProblem("attacker.example:8787", undefined, none)).toMatch(
			/not on "attacker\.example".*LOCAL_HOSTS/,
		);
		expect(localRequestProblem(undefined, undefined, none)).toMatch(/not on ""/);
		// A Host taken before does not open the way for another.
		expect(localRequestProblem("localhost:8787", undefined, none)).toBeNull();
		expect(localRequestProblem("evil.example", undefined, none)).not.toBeNull();
	});

	it("refuses a page of another site under a loopback Host (npm run dev's rewritten Host)", () => {
		const host = "localhost:8787";
		for (const origin of [
			"http://attacker.example:8787",
			"https://localhost.example.com",
			"null",
			"http://evil@localhost",
			"garbage",
		])
			expect(localRequestProblem(host, origin, none), origin).toMatch(/not a page of/);
		// The same page once taken stays taken; another one is judged anew.
		for (const origin of [
			"http://localhost:8787",
			"http://127.0.0.1:5173",
			"http://[::1]:8787",
			"http://app.localhost",
			"http://localhost:8787",
		])
			expect(localRequestProblem(host, origin, none), origin).toBeNull();
		expect(localRequestProblem(host, "http://attacker.example:8787", none)).toMatch(
			/not a page of "http:\/\/attacker\.example:8787".*LOCAL_HOSTS/,
		);
	});

	it("takes a host and a page LOCAL_HOSTS lists", () => {
		const listed = ["dev.box.test"];
		expect(localRequestProblem("dev.box.test:8787", "http://dev.box.test:8787", listed)).toBeNull();
		expect(localRequestProblem("dev.box.test:8787", "http://other.test", listed)).not.toBeNull();
	});
});
