// Bodies the server used to take (docs/decisions/107-bad-input-the-server-took.md): bytes that
// are not UTF-8 (whatever charset is declared), and bodies over 16 KiB on the routes that
// read no body. Each is refused with its 4xx and changes nothing.
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/domain/bounds.ts";
import type { Guardrail, Product, Reservation } from "../../src/shared/types.ts";
import { chunked, expectError, raw, state } from "./bad-input-support.ts";
import { ADMIN, call, createProduct, newSession, uniqueSku } from "./helpers.ts";
import { createRoom } from "./room-support.ts";

const BASE = "http://rg.test";

/** A create whose `name` is written as the raw bytes given (the rest is ASCII). */
function createBytes(sku: string, nameBytes: number[]): Uint8Array {
	const head = new TextEncoder().encode(
		`{"sku":"${sku}","priceCents":100,"currency":"USD","totalStock":5,"name":"`,
	);
	return new Uint8Array([...head, ...nameBytes, ...new TextEncoder().encode('"}')]);
}

function create(body: BodyInit, contentType = "application/json"): Request {
	return new Request(`${BASE}/api/admin/products`, {
		method: "POST",
		headers: { authorization: `Bearer ${ADMIN}`, "content-type": contentType },
		body,
	});
}

async function expectNoProduct(sku: string): Promise<void> {
	expectError(await call("GET", `/api/products/${sku}`), 404, "unknown_sku");
}

describe("a body that is not UTF-8", () => {
	it("is 400 naming the encoding, and nothing is created", async () => {
		// Each case: its name (for a reader), the bytes of the name.
		const bad: [string, number[]][] = [
			// "café ÿ" in Latin-1: was stored as "caf\ufffd \ufffd".
			["latin-1", [0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]],
			// An overlong NUL: was stored as "a\ufffd\ufffdb".
			["overlong", [0x61, 0xc0, 0x80, 0x62]],
			// A UTF-16 surrogate written as UTF-8 (CESU-8).
			["surrogate", [0x61, 0xed, 0xa0, 0x80]],
			// A sequence cut short at the string's end.
			["truncated", [0x61, 0xe2, 0x82]],
		];
		for (const [, bytes] of bad) {
			const sku = uniqueSku("UTF");
			const res = await raw(create(createBytes(sku, bytes)));
			expectError(res, 400, "invalid_request", /not valid UTF-8/);
			// The same without a Content-Length (a chunked upload) is read the same way.
			const streamed = await raw(
				create(
					new ReadableStream({
						start(controller) {
							controller.enqueue(createBytes(sku, bytes));
							controller.close();
						},
					}),
				),
			);
			expectError(streamed, 400, "invalid_request", /not valid UTF-8/);
			await expectNoProduct(sku);
		}
	});

	it("leaves valid UTF-8 as sent: accents, emoji, and U+FFFD itself", async () => {
		const sku = uniqueSku("UTF");
		const name = "café ☕ 👟 \ufffd";
		const res = await raw(create(createBytes(sku, [...new TextEncoder().encode(name)])));
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		expect((res.body.data as Product).name).toBe(name);
	});

	it("is refused on a buyer's route too, changing nothing", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const before = await state(sku);
		const body = new Uint8Array([
			...new TextEncoder().encode(`{"sku":"${sku}","quantity":1,"note":"`),
			0xff,
			...new TextEncoder().encode('"}'),
		]);
		const res = await raw(
			new Request(`${BASE}/api/reservations`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body,
			}),
		);
		expectError(res, 400, "invalid_request", /not valid UTF-8/);
		expect(await state(sku)).toEqual(before);
	});
});

describe("a declared charset", () => {
	it("is ignored, as RFC 8259 says: JSON in ASCII is taken whatever charset it declares", async () => {
		// A client that declared a charset and sent ASCII was served before bodies were checked
		// for UTF-8, and still is (the contract is extended, never broken).
		for (const type of [
			"application/json; charset=latin1",
			"application/json;charset=ISO-8859-1",
			'application/json; charset="windows-1252"',
			"application/json; charset=utf-16",
			"application/json; charset=utf-8",
			"application/json;charset=UTF-8",
			'application/json; charset="utf-8"',
			"application/json; charset=utf8",
		]) {
			const sku = uniqueSku("CS");
			const res = await raw(create(createBytes(sku, [0x6e]), type));
			expect(res.status, `${type} ${JSON.stringify(res.body)}`).toBe(201);
		}
	});

	it("does not make bytes that are not UTF-8 good: Latin-1 declared as such is 400, nothing created", async () => {
		const sku = uniqueSku("CS");
		// "café" in Latin-1: 0xE9 is not UTF-8.
		const res = await raw(
			create(createBytes(sku, [0x63, 0x61, 0x66, 0xe9]), "application/json; charset=latin1"),
		);
		expectError(res, 400, "invalid_request", /not valid UTF-8/);
		await expectNoProduct(sku);
	});
});

/** A body one byte over the bound: with a Content-Length, or streamed without one. */
const OVER = "a".repeat(MAX_BODY_BYTES + 1);

async function send(
	method: string,
	path: string,
	token: string,
	body: string | ReadableStream<Uint8Array>,
) {
	return raw(
		new Request(`${BASE}${path}`, {
			method,
			headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
			body,
		}),
	);
}

describe("a body over 16 KiB on a route that reads no body", () => {
	it("is 413 on a queue join, and no ticket is taken", async () => {
		const sku = await createRoom({ totalStock: 5 });
		const token = await newSession();
		const path = `/api/products/${sku}/queue`;
		expectError(await send("POST", path, token, OVER), 413, "payload_too_large");
		expectError(await send("POST", path, token, chunked(OVER)), 413, "payload_too_large");
		expectError(await call("GET", path, { token }), 404, "not_found");
		// A small body is ignored, as before.
		expect((await send("POST", path, token, "{}")).status).toBe(201);
	});

	it("is 413 on a cancel, and the hold stays", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		const held = await call<Reservation>("POST", "/api/reservations", {
			token,
			body: { sku, quantity: 1 },
		});
		expect(held.status).toBe(201);
		const path = `/api/reservations/${held.body.data?.reservationId}`;
		expectError(await send("DELETE", path, token, OVER), 413, "payload_too_large");
		expectError(await send("DELETE", path, token, chunked(OVER)), 413, "payload_too_large");
		const read = await call<Reservation>("GET", path, { token });
		expect(read.body.data?.status).toBe("RESERVED");
	});

	it("is 413 on an unkeyed reset, and the drop is not reset", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const token = await newSession();
		expect(
			(await call("POST", "/api/reservations", { token, body: { sku, quantity: 1 } })).status,
		).toBe(201);
		const before = await state(sku);
		const path = `/api/admin/products/${sku}/reset`;
		expectError(await send("POST", path, ADMIN, OVER), 413, "payload_too_large");
		expectError(await send("POST", path, ADMIN, chunked(OVER)), 413, "payload_too_large");
		expect(await state(sku)).toEqual(before);
	});

	it("is 413 on the demo's sandbox, its reset and the guardrail's trip, changing nothing", async () => {
		const token = await newSession();
		for (const body of [OVER, chunked(OVER)]) {
			expectError(await send("POST", "/api/demo/sandbox", token, body), 413, "payload_too_large");
		}
		expectError(await call("GET", "/api/demo/sandbox", { token }), 404, "not_found");
		expect((await call("POST", "/api/demo/sandbox", { token })).status).toBe(201);
		expectError(
			await send("POST", "/api/demo/sandbox/reset", token, chunked(OVER)),
			413,
			"payload_too_large",
		);
		for (const body of [OVER, chunked(OVER)]) {
			expectError(
				await send("POST", "/api/demo/guardrail/trip", token, body),
				413,
				"payload_too_large",
			);
		}
		const guardrail = await call<Guardrail>("GET", "/api/demo/guardrail", { token });
		expect(guardrail.body.data?.tripped).toBe(false);
	});
});
