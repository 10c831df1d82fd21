// The error envelope (src/worker/http.ts `fail`) is put together from a head built once per code
// and the request's serialized meta. Its bytes, status and headers must be exactly those of the
// envelope serialized whole, as before (docs/api.md "Envelope"; docs/hot-path/sold-out.md, "The sold-out
// answer's own cost"), and the rejections answered at the edge must keep their contract shape.

import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import type { ErrorCode, Meta } from "../../src/shared/types.ts";
import {
	API_SECURITY_HEADERS,
	type AppEnv,
	type Ctx,
	DEFAULT_MESSAGE,
	fail,
	meta,
	STATUS_OF,
} from "../../src/worker/http.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

/**
 * The envelope as http.ts built it before: the whole object through `c.json`, with the headers
 * every API answer carries (docs/decisions/165-security-headers.md).
 */
function referenceFail(
	c: Ctx,
	code: ErrorCode,
	message: string | undefined,
	headers: Record<string, string>,
	fields: Record<string, unknown>,
): Response {
	for (const [k, v] of Object.entries(headers)) c.header(k, v);
	return c.json(
		{ error: { code, message: message ?? DEFAULT_MESSAGE[code], ...fields }, meta: meta(c) },
		STATUS_OF[code] as 400,
		API_SECURITY_HEADERS,
	);
}

type Case = {
	message?: string;
	headers?: Record<string, string>;
	fields?: Record<string, unknown>;
};

const CASES: Record<string, Case> = {
	plain: {},
	message: { message: 'A message with "quotes", a \\ backslash, é and a line\nbreak.' },
	headers: { headers: { "Retry-After": "7" } },
	fields: { message: "With fields.", fields: { ticket: null, payment: { status: "declined" } } },
	all: { message: "Everything.", headers: { "Retry-After": "1" }, fields: { ticket: { n: 1 } } },
};

/** A meta.cost and meta.guardrail of the shape the cost ledger adds, with awkward numbers. */
const EXTRAS: Partial<Meta> = {
	cost: {
		requestUsd: 1.2345e-7,
		usage: { workerRequests: 1, aePoints: 1 },
		scope: "session",
		virtualUsd: 0.1 + 0.2,
		realUsd: 3e-10,
		billingScale: 1e-9,
		limitUsd: 0,
		pricesAsOf: "2026-01-01",
	} as unknown as Meta["cost"],
	guardrail: { thresholdUsd: 5, tripped: false },
};

type Answer = { status: number; headers: [string, string][]; body: string };

async function answer(res: Response): Promise<Answer> {
	return { status: res.status, headers: [...res.headers], body: await res.text() };
}

/**
 * One request answers both ways, so the meta (request id, latency from a clock that does not
 * move within a request, cost) is the same for both.
 */
const probe = new Hono<AppEnv>();
probe.get("/:code/:case", async (c) => {
	const code = c.req.param("code") as ErrorCode;
	const spec = CASES[c.req.param("case")] as Case;
	const both: Answer[] = [];
	for (const build of ["fail", "reference"] as const) {
		// A fresh context each time: headers set by one answer must not leak into the other.
		const inner = new Hono<AppEnv>();
		inner.get("/", (ic) => {
			ic.set("requestId", "req-1");
			ic.set("startedAtMs", Date.now() - 3);
			ic.set("metaExtras", () => EXTRAS);
			if (build === "fail") return fail(ic, code, spec.message, spec.headers, spec.fields);
			return referenceFail(ic, code, spec.message, spec.headers ?? {}, spec.fields ?? {});
		});
		both.push(await answer(await inner.fetch(new Request("http://probe.test/"))));
	}
	return c.json(both);
});

describe("the error envelope", () => {
	it("is byte for byte the envelope serialized whole, for every code and shape", async () => {
		// One clock reading for both answers: meta.latencyMs is read from Date.now() in each.
		const clock = vi.spyOn(Date, "now").mockReturnValue(Date.parse("2026-11-29T19:00:00Z"));
		try {
			for (const code of Object.keys(STATUS_OF) as ErrorCode[]) {
				for (const name of Object.keys(CASES)) {
					const res = await probe.fetch(new Request(`http://probe.test/${code}/${name}`));
					const [got, want] = (await res.json()) as [Answer, Answer];
					if (want === undefined || got === undefined) throw new Error("probe answered nothing");
					expect(got, `${code} / ${name}`).toEqual(want);
				}
			}
		} finally {
			clock.mockRestore();
		}
	});
});

type Envelope = { error: Record<string, unknown>; meta: Record<string, unknown> };

/** A JSON answer's headers as a client lists them (decision 165: nosniff, no framing). */
const JSON_ANSWER_HEADERS: [string, string][] = [
	["content-type", "application/json"],
	["x-content-type-options", "nosniff"],
	["x-frame-options", "DENY"],
];

/** A rejection as a client sees it: status, header names and values, and the body's shape. */
async function rejection(
	res: Awaited<ReturnType<typeof call>>,
	code: ErrorCode,
	message: string = DEFAULT_MESSAGE[code],
	/** The error's fields beyond code and message (docs/api.md), exactly. */
	fields: Record<string, unknown> = {},
): Promise<{ headers: [string, string][]; metaKeys: string[] }> {
	expect(res.status, JSON.stringify(res.body)).toBe(STATUS_OF[code]);
	const body = res.body as unknown as Envelope;
	expect(Object.keys(body)).toEqual(["error", "meta"]);
	expect(body.error).toEqual({ code, message, ...fields });
	expect(typeof body.meta.requestId).toBe("string");
	expect(typeof body.meta.latencyMs).toBe("number");
	return { headers: [...res.headers], metaKeys: Object.keys(body.meta) };
}

const reserve = (sku: string, token: string, headers: Record<string, string> = {}) =>
	call("POST", "/api/reservations", { token, body: { sku }, headers });

describe("rejections answered at the edge", () => {
	it("answer sold_out exactly as the object does: status, headers and envelope", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 5 });
		expect((await reserve(sku, await newSession())).status).toBe(201);
		const buyer = await newSession();
		const edgeAnswered = async () =>
			(
				await call<{ edgeAnswered: number }>("GET", `/api/admin/products/${sku}/stats`, {
					token: ADMIN,
				})
			).body.data?.edgeAnswered ?? 0;
		// A keyed attempt always reaches the object; the unkeyed one right after it is answered
		// from the copy the object's answer left at the edge while that copy is fresh (100 ms). A
		// loaded machine may take longer between the two, so the pair is tried again until the
		// edge answered one; every pair's two answers must be the same either way.
		for (let pair = 1; pair <= 20; pair++) {
			const before = await edgeAnswered();
			const byObject = await rejection(
				await reserve(sku, buyer, { "idempotency-key": `envelope-${pair}` }),
				"sold_out",
			);
			const atEdge = await rejection(await reserve(sku, buyer), "sold_out");
			expect(atEdge).toEqual(byObject);
			expect(atEdge.headers).toEqual(JSON_ANSWER_HEADERS);
			expect(atEdge.metaKeys).toEqual(["requestId", "latencyMs", "cost", "guardrail"]);
			if ((await edgeAnswered()) > before) break;
		}
		expect(await edgeAnswered()).toBeGreaterThan(0);
	});

	it("answer not_started in the same envelope, and purchase_limit keeps its own", async () => {
		const buyer = await newSession();
		const later = await createProduct({
			totalStock: 3,
			startsAt: new Date(Date.now() + 600_000).toISOString(),
		});
		const first = await rejection(await reserve(later, buyer), "not_started");
		const again = await rejection(await reserve(later, buyer), "not_started");
		expect(again).toEqual(first);
		expect(first.headers).toEqual(JSON_ANSWER_HEADERS);
		const limited = await createProduct({ totalStock: 5, perUserLimit: 1 });
		expect((await reserve(limited, buyer)).status).toBe(201);
		// Its sentence names the limit (worker/reserve-answer.ts); the envelope is the same.
		const limit = await rejection(
			await reserve(limited, buyer),
			"purchase_limit",
			`This session already holds or bought the per-buyer limit of 1 unit of ${limited}.`,
			{ limit: { perUserLimit: 1, usedUnits: 1 } },
		);
		expect(limit).toEqual(first);
	});

	it("still refuses a reserve without a valid session, with the same messages", async () => {
		const sku = await createProduct({ totalStock: 0 });
		const missing = await call("POST", "/api/reservations", { body: { sku } });
		expect(missing.status).toBe(401);
		expect(missing.body.error).toEqual({
			code: "unauthorized",
			message: "Missing Authorization: Bearer <token> header.",
		});
		const unknown = await reserve(sku, "f".repeat(64));
		expect(unknown.status).toBe(401);
		expect(unknown.body.error).toEqual({
			code: "unauthorized",
			message: "Unknown or expired session token.",
		});
	});

	it("sell units added back after a sold-out answered at the edge, at once", async () => {
		const sku = await createProduct({ totalStock: 1 });
		expect((await reserve(sku, await newSession())).status).toBe(201);
		const buyer = await newSession();
		expect((await reserve(sku, buyer)).body.error?.code).toBe("sold_out");
		expect((await reserve(sku, buyer)).body.error?.code).toBe("sold_out");
		const restock = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { totalStock: 2 },
		});
		expect(restock.status, JSON.stringify(restock.body)).toBe(200);
		expect((await reserve(sku, buyer)).status).toBe(201);
	});
});
