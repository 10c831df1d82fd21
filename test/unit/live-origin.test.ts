// Which pages may open the live feed (src/worker/live-origin.ts): the request's own origin, the
// origins LIVE_FEED_ORIGINS lists, and locally a loopback page at any port; no Origin at all is a
// non-browser client and is taken. Hosts that only start or end like a loopback one are not it.
import { describe, expect, it } from "vitest";
import { liveOriginProblem } from "../../src/worker/live-origin.ts";

const URL_OF_REQUEST = "https://shop.example/api/products/S/live?with=product";
const production = { environment: "production", liveFeedOrigins: [] };
const local = { environment: "local", liveFeedOrigins: [] };

describe("liveOriginProblem", () => {
	it("takes no Origin, the request's own and a listed one", () => {
		expect(liveOriginProblem(undefined, URL_OF_REQUEST, production)).toBeNull();
		expect(liveOriginProblem("https://shop.example", URL_OF_REQUEST, production)).toBeNull();
		const listed = { ...production, liveFeedOrigins: ["https://www.shop.example"] };
		expect(liveOriginProblem("https://www.shop.example", URL_OF_REQUEST, listed)).toBeNull();
	});

	it("refuses another scheme, port or host, naming it", () => {
		for (const origin of [
			"http://shop.example",
			"https://shop.example:8443",
			"https://evil.example",
			"null",
		]) {
			const problem = liveOriginProblem(origin, URL_OF_REQUEST, production);
			expect(problem, origin).toContain(JSON.stringify(origin));
		}
	});

	it("takes loopback pages locally only, and not hosts that merely look like them", () => {
		for (const origin of ["http://localhost:5173", "http://127.0.0.1:9422", "http://[::1]:8787"]) {
			expect(liveOriginProblem(origin, URL_OF_REQUEST, local), origin).toBeNull();
			expect(liveOriginProblem(origin, URL_OF_REQUEST, production), origin).not.toBeNull();
		}
		for (const origin of [
			"http://localhost.evil.example:5173",
			"http://127.0.0.1.nip.io",
			"http://evil-localhost",
			"ftp://localhost",
		])
			expect(liveOriginProblem(origin, URL_OF_REQUEST, local), origin).not.toBeNull();
	});

	it("quotes at most 200 characters of an Origin", () => {
		const long = `https://${"a".repeat(5000)}.example`;
		const problem = liveOriginProblem(long, URL_OF_REQUEST, production) ?? "";
		expect(problem.length).toBeLessThan(400);
		expect(problem).toContain("…");
	});
});
