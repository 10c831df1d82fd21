// The code against its contract, docs/api.md: every route the Worker registers is in the
// contract, and every answer it gives to good and bad input is one the contract lists — a
// success status the contract uses (200, 201; 101 for the live feed), or an error whose status
// and code stand together in the contract's status table. A new route, a new error code or a
// code answered with another status fails here until docs/api.md says so. Any 5xx but a 503
// fails too: the contract calls it a bug.

import { beforeAll, describe, expect, it } from "vitest";
import { driveCatalogue } from "./contract-catalogue.ts";
import {
	APP_ROUTES,
	answerRecorder,
	CONTRACT_ROUTES,
	dataOf,
	OVERSIZE,
	STATUS_TABLE,
	SUCCESS_STATUSES,
	TEXT,
	WEBSOCKET_ROUTES,
} from "./contract-support.ts";
import { ADMIN, createProduct, DEBUG, newSession, uniqueSku } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

const { answers, send, record } = answerRecorder();

describe("docs/api.md against the Worker", () => {
	beforeAll(async () => {
		const admin = ADMIN;
		const buyer = await newSession();
		const other = await newSession();
		const sku = await createProduct({ totalStock: 6, perUserLimit: 2 });
		const soldOut = await createProduct({ totalStock: 0 });
		const later = await createProduct({ startsAt: new Date(Date.now() + 3_600_000).toISOString() });
		const unknown = uniqueSku("NOPE");

		// Health, config, unrouted paths.
		await send("GET /healthz", "good", "/healthz");
		await send("GET /api/config", "good", "/api/config");
		await send("GET /api/nope", "unrouted", "/api/nope");
		await send("PUT /api/products", "unrouted method", "/api/products", { body: {} });
		await send(
			"POST /__local/turnstile/siteverify",
			"outside ENVIRONMENT=local",
			"/__local/turnstile/siteverify",
			{
				rawBody: "secret=1x0000000000000000000000000000000AA&response=t",
				headers: { "content-type": "application/x-www-form-urlencoded" },
			},
		);

		// Sessions.
		const S = "POST /api/sessions";
		await send(S, "good", "/api/sessions", { body: { turnstileToken: DEBUG } });
		await send(S, "missing token", "/api/sessions", { body: {} });
		await send(S, "wrong type", "/api/sessions", { body: { turnstileToken: 7 } });
		await send(S, "malformed JSON", "/api/sessions", {
			rawBody: "{",
			headers: { "content-type": "application/json" },
		});
		await send(S, "not JSON", "/api/sessions", { rawBody: "t", headers: TEXT });
		await send(S, "oversize", "/api/sessions", {
			rawBody: OVERSIZE,
			headers: { "content-type": "application/json" },
		});

		// Catalogue and availability, and the session's holds (contract-catalogue.ts).
		await driveCatalogue(send, { sku, unknown, buyer });

		// The waiting room (v1.1): a SKU with a room, one without, no session, no ticket.
		const Q = "POST /api/products/:sku/queue";
		const QG = "GET /api/products/:sku/queue";
		const roomSku = uniqueSku("WR");
		await send("POST /api/admin/products", "good with a waiting room", "/api/admin/products", {
			token: ADMIN,
			body: {
				sku: roomSku,
				name: "Room",
				priceCents: 100,
				currency: "USD",
				totalStock: 1,
				waitingRoom: { enabled: true },
			},
		});
		await send(QG, "no ticket", `/api/products/${roomSku}/queue`, { token: buyer });
		await send(Q, "good", `/api/products/${roomSku}/queue`, { token: buyer });
		await send(Q, "again", `/api/products/${roomSku}/queue`, { token: buyer });
		await send(QG, "good", `/api/products/${roomSku}/queue`, { token: buyer });
		await send(Q, "no room", `/api/products/${sku}/queue`, { token: buyer });
		await send(Q, "unknown", `/api/products/${unknown}/queue`, { token: buyer });
		await send(Q, "no session", `/api/products/${roomSku}/queue`);
		const QE = "GET /api/products/:sku/queue/events";
		await send(QE, "good", `/api/products/${roomSku}/queue/events`);
		await send(QE, "paged", `/api/products/${roomSku}/queue/events?after=1&limit=2`);
		await send(QE, "no room", `/api/products/${sku}/queue/events`);
		await send(QE, "unknown", `/api/products/${unknown}/queue/events`);
		await send(QE, "bad limit", `/api/products/${roomSku}/queue/events?limit=0`);
		await send(QE, "bad cursor", `/api/products/${roomSku}/queue/events?after=x`);
		const queuedBuyer = await newSession();
		await send("POST /api/reservations", "queued", "/api/reservations", {
			token: queuedBuyer,
			body: { sku: roomSku },
		});

		// Reservations.
		const R = "POST /api/reservations";
		const held = dataOf<{ reservationId: string }>(
			await send(R, "good", "/api/reservations", { token: buyer, body: { sku } }),
		).reservationId;
		const toCancel = dataOf<{ reservationId: string }>(
			await send(R, "good, keyed", "/api/reservations", {
				token: buyer,
				body: { sku },
				headers: { "idempotency-key": "contract-1" },
			}),
		).reservationId;
		await send(R, "keyed replay", "/api/reservations", {
			token: buyer,
			body: { sku },
			headers: { "idempotency-key": "contract-1" },
		});
		await send(R, "over the purchase limit", "/api/reservations", { token: buyer, body: { sku } });
		await send(R, "sold out", "/api/reservations", { token: buyer, body: { sku: soldOut } });
		await send(R, "sold out, keyed", "/api/reservations", {
			token: buyer,
			body: { sku: soldOut },
			headers: { "idempotency-key": "contract-2" },
		});
		await send(R, "not started", "/api/reservations", { token: buyer, body: { sku: later } });
		await send(R, "unknown SKU", "/api/reservations", { token: buyer, body: { sku: unknown } });
		await send(R, "eventual mode", "/api/reservations", {
			token: other,
			body: { sku, mode: "eventual" },
		});
		await send(R, "no token", "/api/reservations", { body: { sku } });
		await send(R, "unknown token", "/api/reservations", { token: "nope", body: { sku } });
		await send(R, "quantity 0", "/api/reservations", { token: buyer, body: { sku, quantity: 0 } });
		await send(R, "quantity 11", "/api/reservations", {
			token: buyer,
			body: { sku, quantity: 11 },
		});
		await send(R, "bad mode", "/api/reservations", { token: buyer, body: { sku, mode: "fast" } });
		await send(R, "missing sku", "/api/reservations", { token: buyer, body: {} });
		await send(R, "malformed JSON", "/api/reservations", {
			token: buyer,
			rawBody: "{",
			headers: { "content-type": "application/json" },
		});
		await send(R, "not JSON", "/api/reservations", { token: buyer, rawBody: "x", headers: TEXT });
		await send(R, "oversize", "/api/reservations", {
			token: buyer,
			rawBody: OVERSIZE,
			headers: { "content-type": "application/json" },
		});
		await send(R, "bad Idempotency-Key", "/api/reservations", {
			token: buyer,
			body: { sku },
			headers: { "idempotency-key": "x".repeat(300) },
		});

		const G = "GET /api/reservations/:id";
		await send(G, "owner", `/api/reservations/${held}`, { token: buyer });
		await send(G, "another session", `/api/reservations/${held}`, { token: other });
		await send(G, "garbage id", "/api/reservations/nope", { token: buyer });
		await send(G, "no token", `/api/reservations/${held}`);
		const D = "DELETE /api/reservations/:id";
		await send(D, "another session", `/api/reservations/${toCancel}`, { token: other });
		await send(D, "owner", `/api/reservations/${toCancel}`, { token: buyer });
		await send(D, "again", `/api/reservations/${toCancel}`, { token: buyer });
		await send(D, "garbage id", "/api/reservations/nope", { token: buyer });

		// Checkout and orders.
		const C = "POST /api/checkout";
		const pay = (label: string, body: unknown, key: string | null, token = buyer) =>
			send(C, label, "/api/checkout", {
				token,
				body,
				headers: key === null ? {} : { "idempotency-key": key },
			});
		await pay(
			"declined",
			{ reservationId: held, paymentMethod: "pm_card_chargeDeclined" },
			"c-decl",
		);
		const order = dataOf<{ orderId: string }>(
			await pay("good", { reservationId: held, paymentMethod: "pm_card_visa" }, "c-ok"),
		).orderId;
		await pay("same key again", { reservationId: held, paymentMethod: "pm_card_visa" }, "c-ok");
		await pay("paid, another key", { reservationId: held, paymentMethod: "pm_card_visa" }, "c-2");
		await pay("cancelled hold", { reservationId: toCancel, paymentMethod: "pm_card_visa" }, "c-3");
		await pay(
			"another session's hold",
			{ reservationId: held, paymentMethod: "pm_card_visa" },
			"c-4",
			other,
		);
		await pay(
			"unknown reservation",
			{ reservationId: "rsv_nope", paymentMethod: "pm_card_visa" },
			"c-5",
		);
		await pay("no Idempotency-Key", { reservationId: held, paymentMethod: "pm_card_visa" }, null);
		await pay("missing paymentMethod", { reservationId: held }, "c-6");
		await send(C, "no token", "/api/checkout", {
			body: { reservationId: held, paymentMethod: "pm_card_visa" },
			headers: { "idempotency-key": "c-7" },
		});
		const O = "GET /api/orders/:id";
		await send(O, "owner", `/api/orders/${order}`, { token: buyer });
		await send(O, "another session", `/api/orders/${order}`, { token: other });
		await send(O, "garbage id", "/api/orders/nope", { token: buyer });
		await send(O, "no token", `/api/orders/${order}`);

		// Operator.
		const P = "POST /api/admin/products";
		const fresh = uniqueSku("C");
		const product = {
			sku: fresh,
			name: "Contract",
			priceCents: 100,
			currency: "USD",
			totalStock: 3,
		};
		await send(P, "good", "/api/admin/products", { token: admin, body: product });
		await send(P, "already exists", "/api/admin/products", { token: admin, body: product });
		await send(P, "bad sku", "/api/admin/products", {
			token: admin,
			body: { ...product, sku: "a b" },
		});
		await send(P, "negative stock", "/api/admin/products", {
			token: admin,
			body: { ...product, sku: uniqueSku("C"), totalStock: -1 },
		});
		await send(P, "no token", "/api/admin/products", { body: product });
		await send(P, "buyer token", "/api/admin/products", { token: buyer, body: product });
		const PA = "PATCH /api/admin/products/:sku";
		await send(PA, "good", `/api/admin/products/${fresh}`, {
			token: admin,
			body: { name: "Renamed" },
		});
		await send(PA, "below reserved + sold", `/api/admin/products/${sku}`, {
			token: admin,
			body: { totalStock: 0 },
		});
		await send(PA, "unknown", `/api/admin/products/${unknown}`, {
			token: admin,
			body: { name: "X" },
		});
		await send(PA, "wrong type", `/api/admin/products/${fresh}`, {
			token: admin,
			body: { totalStock: "3" },
		});
		const RS = "POST /api/admin/products/:sku/reset";
		await send(RS, "good", `/api/admin/products/${fresh}/reset`, { token: admin });
		await send(RS, "unknown", `/api/admin/products/${unknown}/reset`, { token: admin });
		await send(RS, "no token", `/api/admin/products/${fresh}/reset`);
		// With limits on, a second reset within the minute from one address is refused.
		const ip = freshIp();
		for (const label of ["limits on, first", "limits on, second within a minute"]) {
			const path = `/api/admin/products/${fresh}/reset`;
			record(RS, label, await limited("POST", path, { ip, token: admin }));
		}
		const EV = "GET /api/admin/products/:sku/events";
		await send(EV, "good", `/api/admin/products/${sku}/events?limit=10`, { token: admin });
		await send(EV, "limit 0", `/api/admin/products/${sku}/events?limit=0`, { token: admin });
		await send(EV, "bad cursor", `/api/admin/products/${sku}/events?after=%%%`, { token: admin });
		await send(EV, "unknown", `/api/admin/products/${unknown}/events`, { token: admin });
		const HO = "GET /api/admin/products/:sku/holds";
		await send(HO, "good", `/api/admin/products/${sku}/holds?limit=10`, { token: admin });
		await send(HO, "limit 0", `/api/admin/products/${sku}/holds?limit=0`, { token: admin });
		await send(HO, "bad cursor", `/api/admin/products/${sku}/holds?after=%%%`, { token: admin });
		await send(HO, "unknown", `/api/admin/products/${unknown}/holds`, { token: admin });
		await send(HO, "buyer token", `/api/admin/products/${sku}/holds`, { token: buyer });
		const ME = "GET /api/admin/products/:sku/metrics";
		await send(ME, "good", `/api/admin/products/${sku}/metrics?seconds=60`, { token: admin });
		await send(ME, "seconds 0", `/api/admin/products/${sku}/metrics?seconds=0`, { token: admin });
		await send(ME, "unknown", `/api/admin/products/${unknown}/metrics`, { token: admin });
		const ST = "GET /api/admin/products/:sku/stats";
		await send(ST, "good", `/api/admin/products/${sku}/stats`, { token: admin });
		await send(ST, "unknown", `/api/admin/products/${unknown}/stats`, { token: admin });
		await send(ST, "no token", `/api/admin/products/${sku}/stats`);
		await send("GET /api/admin/limits", "good", "/api/admin/limits", { token: admin });
		await send("GET /api/admin/limits", "buyer token", "/api/admin/limits", { token: buyer });
		const AS = "POST /api/admin/sessions";
		await send(AS, "good", "/api/admin/sessions", { token: admin, body: { count: 2 } });
		await send(AS, "count 0", "/api/admin/sessions", { token: admin, body: { count: 0 } });
		await send(AS, "count 1001", "/api/admin/sessions", { token: admin, body: { count: 1001 } });
		await send(AS, "no token", "/api/admin/sessions", { body: { count: 1 } });

		// Demo: sandbox and guardrail.
		const presenter = await newSession();
		await send("GET /api/demo/sandbox", "before it exists", "/api/demo/sandbox", {
			token: presenter,
		});
		await send("POST /api/demo/sandbox/reset", "before it exists", "/api/demo/sandbox/reset", {
			token: presenter,
		});
		await send("POST /api/demo/sandbox", "good", "/api/demo/sandbox", { token: presenter });
		await send("POST /api/demo/sandbox", "again", "/api/demo/sandbox", { token: presenter });
		await send("POST /api/demo/sandbox", "no token", "/api/demo/sandbox");
		await send("GET /api/demo/sandbox", "good", "/api/demo/sandbox", { token: presenter });
		await send("POST /api/demo/sandbox/reset", "good", "/api/demo/sandbox/reset", {
			token: presenter,
		});
		const GR = "POST /api/demo/guardrail";
		await send("GET /api/demo/guardrail", "good", "/api/demo/guardrail", { token: presenter });
		await send("GET /api/demo/guardrail", "no token", "/api/demo/guardrail");
		await send(GR, "good", "/api/demo/guardrail", {
			token: presenter,
			body: { thresholdUsd: 0.001 },
		});
		await send(GR, "out of bounds", "/api/demo/guardrail", {
			token: presenter,
			body: { thresholdUsd: 5 },
		});
		await send(GR, "not a number", "/api/demo/guardrail", {
			token: presenter,
			body: { thresholdUsd: "x" },
		});
		await send("POST /api/demo/guardrail/trip", "good", "/api/demo/guardrail/trip", {
			token: presenter,
		});
	});

	it("parses the contract: a status table with every code and the endpoints", () => {
		expect([...STATUS_TABLE.keys()]).toEqual([
			400, 401, 402, 403, 404, 409, 410, 413, 415, 429, 503,
		]);
		expect(STATUS_TABLE.get(409)).toEqual(
			new Set(["sold_out", "not_started", "invalid_state", "already_exists"]),
		);
		expect(STATUS_TABLE.get(429)).toEqual(new Set(["rate_limited", "queued", "hold_cooldown"]));
		expect(CONTRACT_ROUTES).toContain("POST /api/reservations");
		expect(CONTRACT_ROUTES).toContain("GET /api/admin/products/:x/events");
	});

	it("documents every route the Worker registers", () => {
		const undocumented = [...APP_ROUTES].filter((route) => !CONTRACT_ROUTES.has(route));
		expect(undocumented, "routes missing from docs/api.md").toEqual([]);
	});

	it("drives every registered route with good and bad input", () => {
		const driven = new Set(answers.map((a) => a.route));
		const untested = [...APP_ROUTES].filter((route) => !driven.has(route));
		expect(untested, "routes this test does not drive yet").toEqual([]);
		// The siteverify emulation answers only under ENVIRONMENT=local; the tests run as "test".
		for (const route of APP_ROUTES) {
			const statuses = answers.filter((a) => a.route === route).map((a) => a.status);
			expect(
				statuses.some((s) => s < 400),
				`${route}: no good input answered with success (got ${statuses.join(", ")})`,
			).toBe(route !== "POST /__local/turnstile/siteverify");
		}
	});

	it("answers only status and code pairs the contract lists", () => {
		expect(answers.some((a) => a.status === 429)).toBe(true);
		const offContract = answers
			.filter((a) => {
				if (a.status === 101) return !WEBSOCKET_ROUTES.has(a.route);
				if (a.status < 400) return !SUCCESS_STATUSES.has(a.status) || a.code !== null;
				return a.code === null || !(STATUS_TABLE.get(a.status)?.has(a.code) ?? false);
			})
			.map((a) => `${a.route} (${a.label}) → ${a.status} ${a.code ?? ""}`);
		expect(offContract, "answers docs/api.md does not list").toEqual([]);
	});

	it("wraps every JSON answer in the envelope, errors with a message, 429 with Retry-After", () => {
		for (const a of answers) {
			if (a.route === "POST /__local/turnstile/siteverify" && a.status === 200) continue;
			if (a.status === 101) continue;
			const where = `${a.route} (${a.label}) → ${a.status}`;
			const meta = a.body?.meta as { requestId?: unknown; latencyMs?: unknown } | undefined;
			expect(typeof meta?.requestId, where).toBe("string");
			expect(typeof meta?.latencyMs, where).toBe("number");
			if (a.status >= 400) {
				expect(a.body?.data, where).toBeUndefined();
				expect(typeof (a.body?.error as { message?: unknown })?.message, where).toBe("string");
			} else {
				expect(a.body?.error, where).toBeUndefined();
				expect(a.body?.data, where).toBeDefined();
			}
			if (a.status === 429) expect(a.retryAfter, where).toMatch(/^\d+$/);
		}
	});
});
