// Whose failure a siteverify answer is (src/worker/siteverify-verdict.ts): the buyer's token
// refused is 403, anything that verified nothing is 503, and the detail a message or a log line
// carries stays short whatever siteverify sends.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	judgeSiteverify,
	MAX_CODE_CHARS,
	MAX_REPORTED_CODES,
	namedCodes,
} from "../../src/worker/siteverify-verdict.ts";

const refusal = (...codes: unknown[]) => ({ success: false, "error-codes": codes });

describe("judgeSiteverify", () => {
	it("passes success: true", () => {
		expect(judgeSiteverify({ success: true, "error-codes": [] })).toEqual({ ok: true });
	});

	it("blames the buyer for the token's own codes", () => {
		for (const code of ["invalid-input-response", "timeout-or-duplicate", "missing-input-response"])
			expect(judgeSiteverify(refusal(code)), code).toEqual({
				ok: false,
				reason: "rejected",
				detail: code,
			});
		// A refusal in the documented shape without a code we know is still a refusal.
		expect(judgeSiteverify(refusal())).toMatchObject({
			reason: "rejected",
			detail: "not verified",
		});
		expect(judgeSiteverify(refusal("some-new-code"))).toMatchObject({ reason: "rejected" });
	});

	it("calls Cloudflare's internal error unavailable, and our secret or request misconfigured", () => {
		expect(judgeSiteverify(refusal("internal-error"))).toMatchObject({
			reason: "unavailable",
			detail: "internal-error",
		});
		for (const code of ["invalid-input-secret", "missing-input-secret", "bad-request"])
			expect(judgeSiteverify(refusal(code)), code).toMatchObject({
				reason: "misconfigured",
				detail: code,
			});
		// Our secret refused: the token was never judged, whatever else the answer lists.
		expect(
			judgeSiteverify(refusal("invalid-input-response", "invalid-input-secret")),
		).toMatchObject({ reason: "misconfigured" });
	});

	it("calls an answer that is not siteverify's JSON unavailable, never the buyer's failure", () => {
		for (const answer of [undefined, null, "<html>oops</html>", 42, [], {}, { success: "false" }])
			expect(judgeSiteverify(answer), JSON.stringify(answer)).toMatchObject({
				ok: false,
				reason: "unavailable",
			});
	});
});

describe("judgeSiteverify: the host the token was solved on", () => {
	const passed = (hostname?: unknown) => ({
		success: true,
		"error-codes": [],
		challenge_ts: "2026-11-30T23:50:00.000Z",
		...(hostname === undefined ? {} : { hostname }),
	});
	const site = ["shop.example.com"];

	it("refuses a token solved on another site, naming it", () => {
		expect(judgeSiteverify(passed("evil.example"), site)).toEqual({
			ok: false,
			reason: "rejected",
			detail: "it was solved on another site, evil.example",
		});
		// A site key listing both hosts: a token from the other host is still not this site's.
		expect(judgeSiteverify(passed("blog.example.com"), site)).toMatchObject({ reason: "rejected" });
	});

	it("passes the site's own host, in any case, and any host the setting lists", () => {
		expect(judgeSiteverify(passed("shop.example.com"), site)).toEqual({ ok: true });
		expect(judgeSiteverify(passed("Shop.Example.COM"), site)).toEqual({ ok: true });
		expect(
			judgeSiteverify(passed("www.shop.example.com"), ["shop.example.com", "www.shop.example.com"]),
		).toEqual({ ok: true });
	});

	it("takes any loopback name for a loopback site (a page opened as localhost or 127.0.0.1)", () => {
		for (const host of ["localhost", "127.0.0.1", "::1", "[::1]"])
			expect(judgeSiteverify(passed(host), ["127.0.0.1"]), host).toEqual({ ok: true });
		expect(judgeSiteverify(passed("localhost"), site)).toMatchObject({ reason: "rejected" });
	});

	it("passes an answer without a hostname, and judges nothing without a list", () => {
		expect(judgeSiteverify(passed(), site)).toEqual({ ok: true });
		expect(judgeSiteverify(passed(42), site)).toEqual({ ok: true });
		expect(judgeSiteverify(passed("evil.example"))).toEqual({ ok: true });
	});

	it("names a long or unprintable foreign host cut short", () => {
		const verdict = judgeSiteverify(passed(`<b>${"x".repeat(5_000)}`), site);
		expect(verdict.ok).toBe(false);
		if (verdict.ok) return;
		expect(verdict.detail.length).toBeLessThanOrEqual(
			"it was solved on another site, ".length + MAX_CODE_CHARS + 1,
		);
	});
});

describe("namedCodes", () => {
	it("names at most a few short printable codes, whatever siteverify lists", () => {
		const huge = "x".repeat(200_000);
		const detail = namedCodes([huge, "invalid-input-response", "b\u0000c", "d", "e"]);
		expect(detail).toBe(`${"x".repeat(MAX_CODE_CHARS)}…, invalid-input-response, b?c and 2 more`);
		fc.assert(
			fc.property(fc.array(fc.string({ maxLength: 500 }), { maxLength: 200 }), (codes) => {
				const named = namedCodes(codes);
				expect(named.length).toBeLessThanOrEqual(
					MAX_REPORTED_CODES * (MAX_CODE_CHARS + 3) + " and 200 more".length,
				);
				expect(named).toMatch(/^[\x20-\x7e…]*$/);
			}),
		);
	});

	it("keeps the buyer's 403 detail bounded for a refusal listing a huge code", () => {
		const verdict = judgeSiteverify(refusal("y".repeat(200_000), "invalid-input-response"));
		expect(verdict).toMatchObject({ reason: "rejected" });
		expect(verdict.ok === false && verdict.detail.length).toBeLessThan(200);
	});
});
