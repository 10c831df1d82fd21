// The in-browser simulation of the API for the demo's mock mode. It answers the
// same routes with the same envelopes, status codes and headers as the Worker,
// and decides with the same pure rules (src/domain/inventory.ts) and wire
// conversions (src/inventory/codec.ts), so the screens cannot tell the difference
// — only the numbers are simulated (no network, no durable storage).

import { Inventory } from "../../domain/inventory.ts";
import { costUsd } from "../../domain/pricing.ts";
import { toAvailability, toProduct, toReservation } from "../../inventory/codec.ts";
import { cooldownMessage } from "../../shared/cooldown-message.ts";
import {
	DEMO_GUARDRAIL_DEFAULT_USD,
	DEMO_GUARDRAIL_MAX_USD,
	DEMO_GUARDRAIL_MIN_USD,
	type DemoGuardrailSetting,
	isDemoThreshold,
} from "../../shared/demo-guardrail.ts";
import { randomHex } from "../../shared/hex.ts";
import type { IssuedSession } from "../../shared/sessions.ts";
import { sleep } from "../../shared/sleep.ts";
import { TURNSTILE_DUMMY_TOKEN } from "../../shared/turnstile.ts";
import type { Availability } from "../../shared/types.ts";
import type { LiveSource } from "../api/live-protocol.ts";
import type { Transport, WireRequest, WireResponse } from "../api/transport.ts";
import { type Answer, err, refusal } from "./answers.ts";
import { MockCheckout } from "./checkout.ts";
import { ledger, type RouteKind, usageOf } from "./cost.ts";
import { EventualStock, eventualRefusal } from "./eventual.ts";

export const MOCK_SESSION_TTL_SECONDS = 1200;
export const MOCK_SANDBOX_UNITS = 100;
const MOCK_HOLD_SECONDS = 120;
/** One reset a minute (docs/api.md, "Operator"). */
const RESET_INTERVAL_MS = 60_000;
/** A little simulated network time, so pending states show as they would live. */
const NETWORK_MS = { min: 4, max: 18 };
/** Simulated time inside the Worker and the object, so meta.latencyMs is not a meaningless 0. */
const EDGE_MS = { min: 1, max: 7 };

interface MockSession {
	sessionId: string;
	expiresAtMs: number;
	virtualUsd: number;
	sandboxSku: string | null;
	/** The session's own demo guardrail (POST /api/demo/guardrail), as the Worker keeps it. */
	guardrail: DemoGuardrailSetting | null;
}

const between = (r: { min: number; max: number }) => r.min + Math.random() * (r.max - r.min);

export class MockBackend implements Transport, LiveSource {
	readonly kind = "mock" as const;
	private readonly sessions = new Map<string, MockSession>();
	private readonly products = new Map<string, Inventory>();
	private readonly eventual = new Map<string, EventualStock>();
	private readonly checkouts = new MockCheckout(
		(sku) => this.products.get(sku),
		(inv) => this.notify(inv),
	);
	private readonly listeners = new Map<string, Set<(a: Availability) => void>>();
	private lastResetMs = Number.NEGATIVE_INFINITY;
	private requests = 0;

	async send(request: WireRequest): Promise<WireResponse> {
		await sleep(between(NETWORK_MS));
		const started = performance.now();
		await sleep(between(EDGE_MS));
		const session = this.sessionOf(request.headers.authorization);
		const { kind, answer } = await this.route(request, session);
		// Like the Worker, the ledger is charged to the session that made the request.
		if (session !== null) session.virtualUsd += costUsd(usageOf(kind));
		const { cost, guardrail } = ledger(
			kind,
			session?.virtualUsd ?? null,
			session?.guardrail ?? null,
		);
		// The guardrail routes answer the guardrail this very response reports (routes/demo.ts).
		if (answer.guardrailOfMeta) answer.data = guardrail;
		const meta = {
			requestId: `mock-${(++this.requests).toString(36)}`,
			latencyMs: Math.round(performance.now() - started),
			cost,
			guardrail,
		};
		const body =
			answer.status < 400
				? { data: answer.data, meta }
				: {
						error: {
							code: answer.code ?? "internal_error",
							message: answer.message ?? "",
							...(answer.payment === undefined ? {} : { payment: answer.payment }),
							...(answer.limit === undefined ? {} : { limit: answer.limit }),
						},
						meta,
					};
		return { status: answer.status, headers: new Headers(answer.headers ?? {}), body };
	}

	subscribe(
		sku: string,
		onAvailability: (a: Availability) => void,
		onState: (s: { kind: "open" }) => void,
	) {
		const set = this.listeners.get(sku) ?? new Set();
		this.listeners.set(sku, set);
		set.add(onAvailability);
		onState({ kind: "open" });
		const inv = this.products.get(sku);
		if (inv) queueMicrotask(() => onAvailability(toAvailability(inv, Date.now())));
		return () => set.delete(onAvailability);
	}

	private notify(inv: Inventory): void {
		const a = toAvailability(inv, Date.now());
		for (const cb of this.listeners.get(inv.product.sku) ?? []) cb(a);
	}

	private sessionOf(authorization: string | undefined): MockSession | null {
		const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
		const s = token === undefined ? undefined : this.sessions.get(token);
		return s !== undefined && s.expiresAtMs > Date.now() ? s : null;
	}

	private async route(
		req: WireRequest,
		session: MockSession | null,
	): Promise<{ kind: RouteKind; answer: Answer }> {
		const path = req.path.split("?")[0] ?? "";
		const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<
			string,
			unknown
		>;
		const product = /^\/api\/products\/([^/]+)(\/availability)?$/.exec(path);
		if (req.method === "GET" && path === "/api/config") {
			return {
				kind: "plain",
				answer: {
					status: 200,
					data: {
						turnstileSiteKey: "1x00000000000000000000AA",
						localTurnstile: true,
						paymentProvider: "simulated",
					},
				},
			};
		}
		if (req.method === "POST" && path === "/api/sessions")
			return { kind: "session", answer: this.createSession(body) };
		if (req.method === "GET" && product) {
			const inv = this.products.get(decodeURIComponent(product[1] ?? ""));
			if (!inv)
				return { kind: "object-read", answer: err("unknown_sku", "No product has that SKU.") };
			inv.expireDue(Date.now());
			const data = product[2] ? toAvailability(inv, Date.now()) : toProduct(inv, Date.now());
			return { kind: "object-read", answer: { status: 200, data } };
		}
		if (session === null)
			return { kind: "plain", answer: err("unauthorized", "Missing or expired session token.") };
		if (req.method === "POST" && path === "/api/reservations") {
			const answer = await this.reserve(session, body);
			const kind =
				body.mode === "eventual"
					? "eventual-reserve"
					: answer.status < 400
						? "safe-reserve"
						: "safe-reject";
			return { kind, answer };
		}
		if (req.method === "POST" && path === "/api/checkout") {
			const r = await this.checkouts.checkout(
				session.sessionId,
				body,
				req.headers["idempotency-key"],
			);
			const answer: Answer = r.ok
				? { status: 200, data: r.order }
				: { ...err(r.code, r.message), payment: r.payment };
			// Bad input is refused before the SKU's object, as by the Worker.
			return { kind: r.reached ? "checkout" : "plain", answer };
		}
		const order = /^\/api\/orders\/([^/]+)$/.exec(path);
		if (req.method === "GET" && order) {
			const found = this.checkouts.order(decodeURIComponent(order[1] ?? ""), session.sessionId);
			return {
				kind: "object-read",
				answer: found
					? { status: 200, data: found }
					: err("not_found", "No order of this session has that id."),
			};
		}
		if (req.method === "GET" && path === "/api/demo/guardrail")
			return { kind: "plain", answer: { status: 200, data: null, guardrailOfMeta: true } };
		if (req.method === "POST" && path === "/api/demo/guardrail")
			return { kind: "ledger-write", answer: this.setGuardrail(session, body) };
		if (req.method === "POST" && path === "/api/demo/guardrail/trip")
			return { kind: "ledger-write", answer: this.changeGuardrail(session, null) };
		if (req.method === "POST" && path === "/api/demo/sandbox")
			return { kind: "object-read", answer: this.sandbox(session) };
		if (req.method === "GET" && path === "/api/demo/sandbox")
			return { kind: "object-read", answer: this.ownSandbox(session) };
		if (req.method === "POST" && path === "/api/demo/sandbox/reset")
			return { kind: "reset", answer: this.reset(session) };
		return { kind: "plain", answer: err("not_found", `No route for ${req.method} ${path}.`) };
	}

	private createSession(body: Record<string, unknown>): Answer {
		if (typeof body.turnstileToken !== "string" || body.turnstileToken === "") {
			return err("invalid_request", "turnstileToken: must be a non-empty string.");
		}
		// The mock's siteverify behaves like Turnstile's always-pass test secret with its test site key.
		if (body.turnstileToken !== TURNSTILE_DUMMY_TOKEN)
			return err("turnstile_failed", "Turnstile rejected the token.");
		const token = randomHex(32);
		const now = Date.now();
		const session: MockSession = {
			sessionId: `ses_${randomHex(12)}`,
			expiresAtMs: now + MOCK_SESSION_TTL_SECONDS * 1000,
			virtualUsd: 0,
			sandboxSku: null,
			guardrail: null,
		};
		this.sessions.set(token, session);
		// The server's session answer (docs/api.md, "Sessions"), `issuedAt` included: the page's
		// tabs judge the newer token by it (src/web/storefront/session-share.ts).
		const data: IssuedSession = {
			sessionId: session.sessionId,
			token,
			expiresAt: new Date(session.expiresAtMs).toISOString(),
			expiresInSeconds: MOCK_SESSION_TTL_SECONDS,
			issuedAt: new Date(now).toISOString(),
		};
		return { status: 201, data };
	}

	private sandbox(session: MockSession): Answer {
		const sku = session.sandboxSku ?? `SBX-${session.sessionId.slice(4, 24)}`;
		let inv = this.products.get(sku);
		if (!inv) {
			inv = Inventory.create(
				{
					sku,
					name: "Demo sandbox",
					priceCents: 18_000,
					currency: "USD",
					totalStock: MOCK_SANDBOX_UNITS,
					holdSeconds: MOCK_HOLD_SECONDS,
					// The stampede comes from one presenter's session: the sandbox lets it take every unit.
					perUserLimit: MOCK_SANDBOX_UNITS,
					startsAtMs: null,
				},
				Date.now(),
			);
			this.products.set(sku, inv);
			this.eventual.set(sku, new EventualStock(MOCK_SANDBOX_UNITS));
			session.sandboxSku = sku;
			return { status: 201, data: toProduct(inv, Date.now()) };
		}
		return { status: 200, data: toProduct(inv, Date.now()) };
	}

	private async reserve(session: MockSession, body: Record<string, unknown>): Promise<Answer> {
		const sku = typeof body.sku === "string" ? body.sku : "";
		const quantity = body.quantity === undefined ? 1 : body.quantity;
		if (
			typeof quantity !== "number" ||
			!Number.isInteger(quantity) ||
			quantity < 1 ||
			quantity > 10
		) {
			return err("invalid_request", "quantity: must be an integer 1..10.");
		}
		const inv = this.products.get(sku);
		if (!inv) return err("unknown_sku", "No product has that SKU.");
		const id = `rsv_${randomHex(12)}~${sku}`;
		if (body.mode === "eventual") {
			// The drop's rules first, as the server keeps them (src/worker/eventual.ts, mock/eventual.ts).
			const refused = eventualRefusal(inv.product, quantity, Date.now());
			const limit = inv.product.perUserLimit;
			if (refused !== null)
				return refusal(refused, sku, { perUserLimit: limit, askedUnits: quantity });
			const stock = this.eventual.get(sku) as EventualStock;
			const outcome = await stock.allocate(quantity, sleep, {
				sessionId: session.sessionId,
				perUserLimit: inv.product.perUserLimit,
				countEarlierAllocations: sku !== session.sandboxSku,
			});
			if (outcome !== "allocated") {
				return refusal(outcome, sku, {
					perUserLimit: limit,
					usedUnits: stock.allocatedTo(session.sessionId),
					askedUnits: quantity,
				});
			}
			const now = Date.now();
			return {
				status: 201,
				data: {
					reservationId: id,
					sku,
					quantity,
					status: "RESERVED",
					createdAt: new Date(now).toISOString(),
					expiresAt: new Date(now + inv.product.holdSeconds * 1000).toISOString(),
					expiresInSeconds: inv.product.holdSeconds,
				},
			};
		}
		const now = Date.now();
		const outcome = inv.reserve({
			id,
			sessionId: session.sessionId,
			quantity,
			idempotencyKey: null,
			nowMs: now,
		});
		this.checkouts.remember(inv.drain().holds);
		if (!outcome.ok && outcome.code === "hold_cooldown") {
			const wait = Math.max(1, Math.ceil((outcome.retryAtMs - now) / 1000));
			return {
				...err("hold_cooldown", cooldownMessage(sku, wait)),
				headers: { "Retry-After": String(wait) },
			};
		}
		if (!outcome.ok) {
			// A refusal took nothing: the session's count is what it holds or bought.
			return refusal(outcome.code, sku, {
				perUserLimit: inv.product.perUserLimit,
				usedUnits: inv.usageOf(session.sessionId),
				askedUnits: quantity,
			});
		}
		this.notify(inv);
		return { status: 201, data: toReservation(sku, outcome.hold, now) };
	}

	private ownSandbox(session: MockSession): Answer {
		const inv = session.sandboxSku ? this.products.get(session.sandboxSku) : undefined;
		if (!inv) return err("not_found", "This session has no sandbox yet: POST /api/demo/sandbox.");
		inv.expireDue(Date.now());
		return { status: 200, data: toProduct(inv, Date.now()) };
	}

	private setGuardrail(session: MockSession, body: Record<string, unknown>): Answer {
		if (!isDemoThreshold(body.thresholdUsd)) {
			return err(
				"invalid_request",
				`thresholdUsd: must be a number from ${DEMO_GUARDRAIL_MIN_USD} to ${DEMO_GUARDRAIL_MAX_USD} USD`,
			);
		}
		return this.changeGuardrail(session, body.thresholdUsd);
	}

	/** A new threshold re-arms it; null trips it by hand (from the default when none was set). */
	private changeGuardrail(session: MockSession, thresholdUsd: number | null): Answer {
		session.guardrail = {
			thresholdUsd: thresholdUsd ?? session.guardrail?.thresholdUsd ?? DEMO_GUARDRAIL_DEFAULT_USD,
			manual: thresholdUsd === null,
			version: (session.guardrail?.version ?? 0) + 1,
		};
		return { status: 200, data: null, guardrailOfMeta: true };
	}

	private reset(session: MockSession): Answer {
		const inv = session.sandboxSku ? this.products.get(session.sandboxSku) : undefined;
		if (!inv || !session.sandboxSku) return err("not_found", "This session has no sandbox yet.");
		const now = Date.now();
		const waitMs = this.lastResetMs + RESET_INTERVAL_MS - now;
		if (waitMs > 0) {
			return {
				...err("rate_limited", "Too many requests; retry after the time in Retry-After."),
				headers: { "Retry-After": String(Math.ceil(waitMs / 1000)) },
			};
		}
		this.lastResetMs = now;
		inv.reset(now);
		inv.drain();
		this.checkouts.reset(session.sandboxSku);
		this.eventual.get(session.sandboxSku)?.reset();
		this.notify(inv);
		return { status: 200, data: toProduct(inv, now) };
	}
}
