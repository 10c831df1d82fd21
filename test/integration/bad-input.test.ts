// Bad input (issue "Demonstrate", last bullet; api.md "Envelope"): every
// malformed request gets the documented 4xx with its error.code, the field is
// named, the envelope carries meta, and the SKU's state is exactly as before.
// Never a 5xx.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/domain/limits.ts";
import type { Availability, Stats } from "../../src/shared/types.ts";
import { sha256Hex } from "../../src/worker/ids.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { ADMIN, type ApiResponse, call, createProduct, newSession } from "./helpers.ts";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;
const JSON_TYPE = { "content-type": "application/json" };

function expectError(
	res: ApiResponse<unknown>,
	status: number,
	code: string,
	names?: RegExp,
): void {
	const context = JSON.stringify(res.body);
	expect(res.status, context).toBe(status);
	expect(res.body.error?.code, context).toBe(code);
	expect(typeof res.body.error?.message).toBe("string");
	if (names !== undefined) expect(res.body.error?.message, context).toMatch(names);
	expect(typeof res.body.meta?.requestId).toBe("string");
	expect(typeof res.body.meta?.latencyMs).toBe("number");
	expect(res.body.data).toBeUndefined();
}

/** Everything a bad request must leave alone: counters, attempts, rejections. */
async function state(
	sku: string,
): Promise<{ availability: Omit<Availability, "asOf">; stats: Stats }> {
	const a = await call<Availability>("GET", `/api/products/${sku}/availability`);
	const s = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
	const { asOf: _, ...availability } = a.body.data as Availability;
	return { availability, stats: s.body.data as Stats };
}

/** A body the Worker sees without Content-Length, the way a chunked upload arrives. */
function chunked(text: string): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	const CHUNK = 1024;
	let at = 0;
	return new ReadableStream({
		pull(controller) {
			if (at >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(at, at + CHUNK));
			at += CHUNK;
		},
	});
}

async function raw(request: Request): Promise<ApiResponse<unknown>> {
	const res = await worker.fetch(request);
	return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}

describe("POST /api/reservations with bad input", () => {
	it("answers 400 naming the field for malformed JSON, wrong types and out-of-range quantities", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 10 });
		const token = await newSession();
		// One good hold first, so "unchanged" is not just "empty".
		expect(
			(await call("POST", "/api/reservations", { token, body: { sku, quantity: 2 } })).status,
		).toBe(201);
		const before = await state(sku);

		const rawBodies: [string, RegExp][] = [
			[`{"sku":"${sku}"`, /JSON/],
			["not json", /JSON/],
			["", /empty/],
			["[]", /body|object/i],
			["null", /body|object/i],
			['"sku"', /body|object/i],
			["42", /body|object/i],
			[`${"[".repeat(8000)}${"]".repeat(8000)}`, /body|object/i],
			[`{"sku":"${sku}","quantity":1e400}`, /quantity/],
		];
		for (const [rawBody, names] of rawBodies) {
			const res = await call("POST", "/api/reservations", { token, rawBody, headers: JSON_TYPE });
			expectError(res, 400, "invalid_request", names);
		}
		const bodies: [unknown, RegExp][] = [
			[{}, /sku/],
			[{ sku: 123 }, /sku/],
			[{ sku: null }, /sku/],
			[{ sku: "has space" }, /sku/],
			[{ sku: "x".repeat(65) }, /sku/],
			[{ sku: "a~b" }, /sku/],
			[{ sku, mode: "fast" }, /mode/],
		];
		for (const quantity of [0, -1, 11, 1e9, "1", 1.5, null, true, [1], { n: 1 }]) {
			bodies.push([{ sku, quantity }, /quantity/]);
		}
		for (const [body, names] of bodies) {
			const res = await call("POST", "/api/reservations", { token, body });
			expectError(res, 400, "invalid_request", names);
		}
		expect(await state(sku)).toEqual(before);
	});

	it("answers 404 unknown_sku for a well-formed SKU nobody created", async () => {
		const token = await newSession();
		const res = await call("POST", "/api/reservations", {
			token,
			body: { sku: `NOPE-${crypto.randomUUID()}` },
		});
		expectError(res, 404, "unknown_sku");
	});

	it("answers 401 for a missing, malformed, unknown or expired token", async () => {
		const sku = await createProduct();
		const before = await state(sku);
		const body = { sku };
		expectError(
			await call("POST", "/api/reservations", { body }),
			401,
			"unauthorized",
			/Authorization/,
		);
		for (const authorization of ["Basic abc", "Bearer", "Bearer ", "bearer a b", "x".repeat(600)]) {
			const res = await call("POST", "/api/reservations", { body, headers: { authorization } });
			expectError(res, 401, "unauthorized");
		}
		expectError(
			await call("POST", "/api/reservations", { body, token: "f".repeat(64) }),
			401,
			"unauthorized",
		);

		// An expired session still in KV (KV's own TTL is at least 60 s, so the record outlives expiresAt).
		const token = "e".repeat(64);
		const past = Date.now() - 1000;
		await env.SESSIONS.put(
			sessionKey(await sha256Hex(token)),
			JSON.stringify({
				sessionId: "ses_expired",
				ipHash: "0",
				createdAt: new Date(past - 60_000).toISOString(),
				expiresAt: new Date(past).toISOString(),
			}),
		);
		expectError(
			await call("POST", "/api/reservations", { body, token }),
			401,
			"unauthorized",
			/expired/,
		);
		expectError(await call("GET", "/api/reservations/rsv_x~A", { token }), 401, "unauthorized");
		expect(await state(sku)).toEqual(before);
	});

	it("answers 413 above 16 KiB, with Content-Length and without (chunked)", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const before = await state(sku);
		// Valid JSON, so only the size can be the reason.
		const big = JSON.stringify({ sku, pad: "x".repeat(MAX_BODY_BYTES) });
		const headers = { ...JSON_TYPE, authorization: `Bearer ${token}` };
		const sized = await call("POST", "/api/reservations", {
			token,
			rawBody: big,
			headers: JSON_TYPE,
		});
		expectError(sized, 413, "payload_too_large");
		const streamed = new Request("http://rg.test/api/reservations", {
			method: "POST",
			headers,
			body: chunked(big),
		});
		expect(streamed.headers.get("content-length")).toBeNull();
		expectError(await raw(streamed), 413, "payload_too_large");
		// Just under the limit is fine (the padding field is ignored).
		const fits = JSON.stringify({ sku, pad: "x".repeat(MAX_BODY_BYTES - 100) });
		const ok = new Request("http://rg.test/api/reservations", {
			method: "POST",
			headers,
			body: chunked(fits),
		});
		expect((await worker.fetch(ok)).status).toBe(201);
		const after = await state(sku);
		expect(after.availability.reserved).toBe(before.availability.reserved + 1);
	});

	it("answers 415 for a body that is not declared JSON", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const before = await state(sku);
		const rawBody = JSON.stringify({ sku });
		for (const type of [
			"text/plain",
			"application/x-www-form-urlencoded",
			"application/jsonp",
			"json",
		]) {
			const res = await call("POST", "/api/reservations", {
				token,
				rawBody,
				headers: { "content-type": type },
			});
			expectError(res, 415, "unsupported_media_type");
		}
		expectError(
			await call("POST", "/api/reservations", { token, rawBody }),
			415,
			"unsupported_media_type",
		);
		const charset = { "content-type": "application/json; charset=utf-8" };
		expect(
			(await call("POST", "/api/reservations", { token, rawBody, headers: charset })).status,
		).toBe(201);
		expect((await state(sku)).stats.attempts).toBe(before.stats.attempts + 1);
	});

	it("answers 400 naming Idempotency-Key for a bad key, and takes no hold", async () => {
		const sku = await createProduct();
		const token = await newSession();
		const before = await state(sku);
		for (const key of ["", "k".repeat(256), "tab\there", "del\u007f"]) {
			const res = await call("POST", "/api/reservations", {
				token,
				body: { sku },
				headers: { "idempotency-key": key },
			});
			expectError(res, 400, "invalid_request", /Idempotency-Key/);
		}
		expect(await state(sku)).toEqual(before);
	});
});

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
			["GET", `/api/admin/products/${sku}/stats`, undefined],
		];
		for (const [method, path, body] of routes) {
			expectError(await call(method, path, { body }), 401, "unauthorized");
			for (const token of ["wrong", `${ADMIN}x`, ADMIN.slice(1), await newSession()]) {
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
			[{ name: "" }, /name/],
			[{ name: 5 }, /name/],
			[{ name: "n".repeat(201) }, /name/],
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
