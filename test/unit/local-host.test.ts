// The host name a local server judges a request by (src/worker/middleware/local-host.ts): cut out
// of the URL workerd builds from `Host`, without port or final dot, and loopback names told apart
// from names that merely contain one.
import { describe, expect, it } from "vitest";
import { hostnameOf, isLocalHost } from "../../src/worker/middleware/local-host.ts";

describe("hostnameOf", () => {
	it("cuts the host name out of an absolute URL, without port, final dot or case", () => {
		const cases: [string, string][] = [
			["http://127.0.0.1:8787/api/products", "127.0.0.1"],
			["http://LOCALHOST/healthz", "localhost"],
			["http://localhost.:8787/", "localhost"],
			["http://[::1]:8787/api", "[::1]"],
			["http://[::1]/api", "[::1]"],
			["http://attacker.example:8787", "attacker.example"],
		];
		for (const [url, host] of cases) expect(hostnameOf(url), url).toBe(host);
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
		])
			expect(isLocalHost(host, []), host).toBe(false);
	});
});
