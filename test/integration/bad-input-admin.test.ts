// Bad input on the operator endpoints and elsewhere: the documented 4xx, the
// field named, meta present, the state unchanged, never a 5xx.
import { describe, expect, it } from "vitest";
import type { Availability } from "../../src/shared/types.ts";
import { expectError, JSON_TYPE, state } from "./bad-input-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

/**
 * Names a product may not have (docs/api.md, "Operator"): a control character, a line or
 * paragraph separator (U+2028, U+2029: line breaks that are not control characters), the
 * right-to-left override and an isolate (they reorder the text shown after them), a lone
 * surrogate.
 */
const BAD_NAMES = [
	"a\u0000b",
	"tab\there",
	"a\u0085b",
	"a\u2028b",
	"a\u2029b",
	"\u202eevil",
	"x\u2067y",
	"\ud800x",
	"x\udc00",
];
const NAME_REFUSED = /^name: must not contain control characters/;
/**
 * Names that show as nothing (docs/api.md, "Operator"): zero-width characters, the word joiner,
 * U+180E, a soft hyphen, a Hangul filler, the braille blank, alone, repeated or between spaces.
 */
const INVISIBLE_NAMES = [
	"\u200b",
	"\u2060",
	"\u180e",
	"\u00ad",
	"\u200b\u200b",
	" \u200d ",
	"\u3164",
	"\u2800",
	"\ufe0f",
];
const NAME_INVISIBLE = /^name: must have a visible character/;

describe("operator endpoints with bad input", () => {
	const product = { sku: "X", name: "N", priceCents: 100, currency: "USD", totalStock: 5 };

	it("answer 401 without a token and 403 with a wrong one, changing nothing", async () => {
		const sku = await createProduct();
		const before = await state(sku);
		const routes: [string, string, unknown][] = [
			[
				"POST",
				"/api/admin/products",
				{ ...product, sku: `NEW-${crypto.randomUUID().slice(0, 8)}` },
			],
			["PATCH", `/api/admin/products/${sku}`, { totalStock: 99 }],
			["POST", `/api/admin/products/${sku}/reset`, undefined],
			["GET", `/api/admin/products/${sku}/events`, undefined],
			["GET", `/api/admin/products/${sku}/holds`, undefined],
			["GET", `/api/admin/products/${sku}/stats`, undefined],
		];
		for (const [method, path, body] of routes) {
			expectError(await call(method, path, { body }), 401, "unauthorized");
			// A wrong token gets the same 403 at every length and shape (docs/configuration.md,
			// "Token comparisons"), past the 512 characters a buyer's token may have, spaces included.
			const wrong = ["wrong", `${ADMIN}x`, ADMIN.slice(1), await newSession()];
			wrong.push("w".repeat(513), `${ADMIN}${"x".repeat(600)}`, `${ADMIN} x`, "two words");
			for (const token of wrong) {
				expectError(await call(method, path, { body, token }), 403, "forbidden");
			}
		}
		expect(await state(sku)).toEqual(before);
		const created = routes[0]?.[2] as { sku: string };
		expectError(await call("GET", `/api/products/${created.sku}`), 404, "unknown_sku");
	});

	it("reject invalid product fields naming each, and a duplicate SKU with 409", async () => {
		const sku = `BAD-${crypto.randomUUID().slice(0, 8)}`;
		const cases: [Record<string, unknown>, RegExp][] = [
			[{ sku: "has space" }, /sku/],
			[{ sku: "" }, /sku/],
			[{ sku: "x".repeat(65) }, /sku/],
			// Dot segments: URL clients resolve `/api/products/..` to `/api/`, so none could reach them.
			[{ sku: "." }, /sku: must not be "\." or "\.\."/],
			[{ sku: ".." }, /sku: must not be "\." or "\.\."/],
			[{ name: "" }, /name/],
			[{ name: 5 }, /name/],
			[{ name: "n".repeat(201) }, /name/],
			...BAD_NAMES.map((name): [Record<string, unknown>, RegExp] => [{ name }, NAME_REFUSED]),
			...INVISIBLE_NAMES.map((name): [Record<string, unknown>, RegExp] => [
				{ name },
				NAME_INVISIBLE,
			]),
			[{ priceCents: -1 }, /priceCents/],
			[{ priceCents: 1.5 }, /priceCents/],
			[{ priceCents: "100" }, /priceCents/],
			[{ currency: "US" }, /currency/],
			[{ currency: "US1" }, /currency/],
			[{ totalStock: -1 }, /totalStock/],
			[{ totalStock: 10_000_001 }, /totalStock/],
			[{ totalStock: 2.5 }, /totalStock/],
			[{ holdSeconds: 0 }, /holdSeconds/],
			[{ holdSeconds: 3601 }, /holdSeconds/],
			[{ perUserLimit: 0 }, /perUserLimit/],
			[{ perUserLimit: 1001 }, /perUserLimit/],
			[{ startsAt: "tomorrow" }, /startsAt/],
		];
		for (const [override, names] of cases) {
			const res = await call("POST", "/api/admin/products", {
				token: ADMIN,
				body: { ...product, sku, ...override },
			});
			expectError(res, 400, "invalid_request", names);
		}
		for (const missing of ["name", "priceCents", "currency", "totalStock", "sku"]) {
			const body: Record<string, unknown> = { ...product, sku };
			delete body[missing];
			const res = await call("POST", "/api/admin/products", { token: ADMIN, body });
			expectError(res, 400, "invalid_request", new RegExp(missing));
		}
		expectError(await call("GET", `/api/products/${sku}`), 404, "unknown_sku");

		const existing = await createProduct({ totalStock: 7 });
		const dup = await call("POST", "/api/admin/products", {
			token: ADMIN,
			body: { ...product, sku: existing },
		});
		expectError(dup, 409, "already_exists");
		const kept = await call<{ totalStock: number }>("GET", `/api/products/${existing}`);
		expect(kept.body.data?.totalStock).toBe(7);
	});

	it("PATCH rejects invalid fields (400), an unknown SKU (404) and totalStock below reserved + sold (409)", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 10 });
		const token = await newSession();
		expect(
			(await call("POST", "/api/reservations", { token, body: { sku, quantity: 4 } })).status,
		).toBe(201);
		const before = await state(sku);
		const path = `/api/admin/products/${sku}`;
		for (const [body, names] of [
			[{ totalStock: -1 }, /totalStock/],
			[{ holdSeconds: 0 }, /holdSeconds/],
			[{ perUserLimit: "3" }, /perUserLimit/],
			[{ currency: "" }, /currency/],
			...BAD_NAMES.map((name) => [{ name }, NAME_REFUSED]),
			...INVISIBLE_NAMES.map((name) => [{ name }, NAME_INVISIBLE]),
		] as [unknown, RegExp][]) {
			expectError(await call("PATCH", path, { token: ADMIN, body }), 400, "invalid_request", names);
		}
		expectError(
			await call("PATCH", path, { token: ADMIN, rawBody: "{", headers: JSON_TYPE }),
			400,
			"invalid_request",
		);
		expectError(
			await call("PATCH", path, {
				token: ADMIN,
				rawBody: "{}",
				headers: { "content-type": "text/plain" },
			}),
			415,
			"unsupported_media_type",
		);
		expectError(
			await call("PATCH", path, { token: ADMIN, body: { totalStock: 3 } }),
			409,
			"invalid_state",
			/totalStock/,
		);
		expectError(
			await call("PATCH", "/api/admin/products/NOPE-none", {
				token: ADMIN,
				body: { totalStock: 3 },
			}),
			404,
			"unknown_sku",
		);
		expect(await state(sku)).toEqual(before);
		// Exactly reserved + sold is allowed: nothing is left to sell.
		const atFloor = await call<{ availability: Availability }>("PATCH", path, {
			token: ADMIN,
			body: { totalStock: 4 },
		});
		expect(atFloor.status).toBe(200);
		expect(atFloor.body.data?.availability).toMatchObject({ total: 4, available: 0, reserved: 4 });
		// Right-to-left script and a character beyond the BMP (a surrogate pair) are names.
		const named = await call<{ name: string }>("PATCH", path, {
			token: ADMIN,
			body: { name: "נעל 👟 drop" },
		});
		expect(named.status).toBe(200);
		expect(named.body.data?.name).toBe("נעל 👟 drop");
		// An emoji sequence joined by U+200D with its variation selector shows: it is a name.
		const joined = await call<{ name: string }>("PATCH", path, {
			token: ADMIN,
			body: { name: "\u2764\ufe0f\u200d\ud83d\udd25" },
		});
		expect(joined.status).toBe(200);
		expect(joined.body.data?.name).toBe("\u2764\ufe0f\u200d\ud83d\udd25");
	});
});

describe("other bad requests", () => {
	it("answer 4xx with the envelope: unknown routes, unknown ids, bad session bodies", async () => {
		expectError(await call("GET", "/api/nothing"), 404, "not_found");
		expectError(await call("GET", "/api/products/has%20space"), 404, "unknown_sku");
		expectError(await call("GET", "/api/products/%E0%A4%A/availability"), 404, "unknown_sku");
		expectError(
			await call("GET", "/api/admin/products/%ZZ/stats", { token: ADMIN }),
			404,
			"unknown_sku",
		);
		expectError(await call("GET", "/api/products/NOPE-none/availability"), 404, "unknown_sku");
		expectError(
			await call("GET", "/api/products/NOPE-none/live"),
			400,
			"invalid_request",
			/WebSocket/,
		);
		const token = await newSession();
		expectError(await call("PUT", "/api/reservations", { token }), 404, "not_found");
		for (const id of [
			"%ZZ",
			"nope",
			"rsv_abc",
			"rsv_abc~has space",
			"rsv_abc~NOPE-none",
			`rsv_${"a".repeat(200)}~X`,
		]) {
			expectError(
				await call("GET", `/api/reservations/${encodeURIComponent(id)}`, { token }),
				404,
				"not_found",
			);
			expectError(
				await call("DELETE", `/api/reservations/${encodeURIComponent(id)}`, { token }),
				404,
				"not_found",
			);
		}
		for (const body of [
			{},
			{ turnstileToken: "" },
			{ turnstileToken: 5 },
			{ turnstileToken: "t".repeat(2049) },
		]) {
			expectError(
				await call("POST", "/api/sessions", { body }),
				400,
				"invalid_request",
				/turnstileToken/,
			);
		}
		const plain = { rawBody: "{}", headers: { "content-type": "text/plain" } };
		expectError(await call("POST", "/api/sessions", plain), 415, "unsupported_media_type");
	});
});
