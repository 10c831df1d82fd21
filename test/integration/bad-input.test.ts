// Bad input (docs/api.md "Envelope"): every
// malformed request gets the documented 4xx with its error.code, the field is
// named, the envelope carries meta, and the SKU's state is exactly as before.
// Never a 5xx.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/domain/bounds.ts";
import { sha256Hex } from "../../src/shared/digest.ts";
import { SESSION_GRACE_SECONDS } from "../../src/shared/sessions.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";
import { chunked, expectError, JSON_TYPE, raw, state, worker } from "./bad-input-support.ts";
import { call, createProduct, newSession } from "./helpers.ts";

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

		// An expired session still in KV (KV's own TTL is at least 60 s, so the record outlives
		// expiresAt), past the grace in which its owner's routes still take it.
		const token = "e".repeat(64);
		const past = Date.now() - SESSION_GRACE_SECONDS * 1000 - 1000;
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
		// Ended within its grace: no reserve, but its owner's routes take it (a hold may outlive
		// its session: docs/decisions/086-a-sessions-end-and-what-it-owns.md), and an id it does
		// not own is not found.
		const ended = "d".repeat(64);
		await env.SESSIONS.put(
			sessionKey(await sha256Hex(ended)),
			JSON.stringify({
				sessionId: "ses_ended",
				ipHash: "0",
				createdAt: new Date(Date.now() - 120_000).toISOString(),
				expiresAt: new Date(Date.now() - 1000).toISOString(),
			}),
		);
		expectError(
			await call("POST", "/api/reservations", { body, token: ended }),
			401,
			"unauthorized",
			/expired/,
		);
		expectError(await call("GET", "/api/reservations/rsv_x~A", { token: ended }), 404, "not_found");
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
