// A typed client for the HTTP contract (docs/api.md). Every call
// resolves to a value — success or an expected failure with its code, message,
// status and Retry-After — and never throws for an answer the contract lists.

import type {
	AuditEvent,
	Availability,
	ErrorCode,
	Guardrail,
	Meta,
	Order,
	PaymentFailure,
	Product,
	Reservation,
	SessionHolds,
	SkuMetrics,
	Stats,
	Ticket,
	UiConfig,
} from "../../shared/types.ts";
import type { Transport, WireRequest } from "./transport.ts";

/** A failure the client itself detects: no answer, or an answer outside the contract. */
export type ClientErrorCode = "network_error" | "bad_response";

export type ApiOk<T> = { ok: true; status: number; data: T; meta: Meta; roundTripMs: number };
export type ApiErr = {
	ok: false;
	status: number;
	code: ErrorCode | ClientErrorCode;
	message: string;
	meta: Meta | null;
	/** Seconds from the Retry-After header (429, 503), when present. */
	retryAfterSeconds: number | null;
	roundTripMs: number;
	/** A 402's `error.payment` (docs/api.md): which failure, and whether the hold was kept. */
	payment?: PaymentFailure;
	/**
	 * A 403 `purchase_limit`'s `error.limit` (docs/api.md): the limit and the units the session
	 * holds or bought by the server's count, when the server counted them.
	 */
	limit?: { perUserLimit: number; usedUnits: number };
	/**
	 * The page stopped waiting (its own timeout, src/web/api/transport.ts): unlike a dropped
	 * connection, the request may still be on its way or running on the server.
	 */
	timedOut?: true;
	/**
	 * A 401's refused session token: the one the request carried (a tab may hold a newer one by the
	 * time the answer comes, docs/decisions/173-review-31s-findings.md). Kept in the page only.
	 */
	refusedToken?: string;
};
export type ApiResult<T> = ApiOk<T> | ApiErr;

export interface NewProduct {
	sku: string;
	name: string;
	priceCents: number;
	currency: string;
	totalStock: number;
	holdSeconds?: number;
	perUserLimit?: number;
	startsAt?: string | null;
	/** docs/api.md, "Shards": fixed at create. */
	shards?: number;
	/** docs/api.md, "Waiting room". */
	waitingRoom?: { enabled: boolean; admitSeconds?: number; overbook?: number };
}

/** A PATCH of a product: any of its fields but `sku` (docs/api.md, Operator). */
export type ProductChanges = Partial<Omit<NewProduct, "sku">>;

export interface Session {
	sessionId: string;
	token: string;
	expiresAt: string;
	/** Seconds left when the server answered (docs/api.md, "Sessions"); absent from older servers. */
	expiresInSeconds?: number;
	/** When the server issued this token (docs/api.md, "Sessions"); absent from older servers. */
	issuedAt?: string;
	/** Asked with `renewToken`: whether this is that session again (docs/api.md, "Sessions"). */
	renewed?: boolean;
}

export type Mode = "safe" | "eventual";

/** A page of the audit trail (docs/api.md, Operator). */
export interface EventsPage {
	events: AuditEvent[];
	/** The cursor of the next page; null on the last page. */
	next: string | null;
	/** The cursor of this page's last event, on every page (null when the page is empty). */
	last: string | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isPaymentFailure(v: unknown): v is PaymentFailure {
	return (
		isRecord(v) &&
		typeof v.outcome === "string" &&
		typeof v.holdKept === "boolean" &&
		typeof v.failedPayments === "number" &&
		typeof v.maxFailedPayments === "number"
	);
}

function isLimitCount(v: unknown): v is { perUserLimit: number; usedUnits: number } {
	return isRecord(v) && Number.isInteger(v.perUserLimit) && Number.isInteger(v.usedUnits);
}

function retryAfter(headers: Headers): number | null {
	const raw = headers.get("retry-after");
	if (raw === null) return null;
	const seconds = Number(raw);
	if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
	// The header may also be an HTTP date (RFC 9110 §10.2.3).
	const at = Date.parse(raw);
	return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : null;
}

export class ApiClient {
	/** The buyer's session token, or the operator's ADMIN_TOKEN for admin calls. */
	token: string | null = null;
	adminToken: string | null = null;

	constructor(readonly transport: Transport) {}

	get mode(): "live" | "mock" {
		return this.transport.kind;
	}

	async request<T>(
		method: WireRequest["method"],
		path: string,
		options: { body?: unknown; auth?: "session" | "admin" | "none"; idempotencyKey?: string } = {},
	): Promise<ApiResult<T>> {
		const headers: Record<string, string> = { accept: "application/json" };
		// Public reads carry the buyer's session when there is one: the session's cost
		// ledger then counts them, and the rate limiter sees that a person looked first.
		const token =
			options.auth === "admin" ? this.adminToken : options.auth === "none" ? null : this.token;
		if (token) headers.authorization = `Bearer ${token}`;
		if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
		const started = performance.now();
		let res: Awaited<ReturnType<Transport["send"]>>;
		try {
			res = await this.transport.send({ method, path, headers, body: options.body });
		} catch (error) {
			const timedOut = error instanceof Error && error.name === "TimeoutError";
			return {
				ok: false,
				status: 0,
				code: "network_error",
				message: timedOut ? "The server did not answer in time." : "Could not reach the server.",
				meta: null,
				retryAfterSeconds: null,
				roundTripMs: performance.now() - started,
				...(timedOut ? { timedOut: true as const } : {}),
			};
		}
		const roundTripMs = performance.now() - started;
		const body = res.body;
		const meta = isRecord(body) && isRecord(body.meta) ? (body.meta as unknown as Meta) : null;
		if (res.status < 400 && isRecord(body) && "data" in body && meta !== null) {
			return { ok: true, status: res.status, data: body.data as T, meta, roundTripMs };
		}
		const error = isRecord(body) && isRecord(body.error) ? body.error : null;
		const payment = isPaymentFailure(error?.payment) ? { payment: error.payment } : {};
		const limit = isLimitCount(error?.limit) ? { limit: error.limit } : {};
		const refused =
			res.status === 401 && token && options.auth !== "admin" ? { refusedToken: token } : {};
		return {
			...payment,
			...limit,
			...refused,
			ok: false,
			status: res.status,
			code: typeof error?.code === "string" ? (error.code as ErrorCode) : "bad_response",
			message:
				typeof error?.message === "string"
					? error.message
					: `Unexpected answer (HTTP ${res.status}).`,
			meta,
			retryAfterSeconds: retryAfter(res.headers),
			roundTripMs,
		};
	}

	// ---- public ----
	config() {
		return this.request<UiConfig>("GET", "/api/config", { auth: "none" });
	}
	/** A page of the catalogue, newest first; `after`: the previous page's `next` (docs/api.md). */
	products(after: string | null = null) {
		const query = after === null ? "" : `?after=${encodeURIComponent(after)}`;
		return this.request<{ products: Product[]; next?: string | null }>(
			"GET",
			`/api/products${query}`,
		);
	}
	product(sku: string) {
		return this.request<Product>("GET", `/api/products/${encodeURIComponent(sku)}`);
	}
	availability(sku: string) {
		return this.request<Availability>(
			"GET",
			`/api/products/${encodeURIComponent(sku)}/availability`,
		);
	}

	// ---- buyer ----
	/** A new session, or with `renewToken` the session that token names, continued. */
	createSession(turnstileToken: string, renewToken: string | null = null) {
		return this.request<Session>("POST", "/api/sessions", {
			body: renewToken === null ? { turnstileToken } : { turnstileToken, renewToken },
			auth: "none",
		});
	}
	reserve(sku: string, options: { quantity?: number; mode?: Mode; idempotencyKey?: string } = {}) {
		const body: Record<string, unknown> = { sku, quantity: options.quantity ?? 1 };
		if (options.mode) body.mode = options.mode;
		return this.request<Reservation>("POST", "/api/reservations", {
			body,
			auth: "session",
			...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
		});
	}
	/** Takes (or answers again) this session's waiting-room ticket (docs/waiting-room.md). */
	joinQueue(sku: string) {
		return this.request<Ticket>("POST", `/api/products/${encodeURIComponent(sku)}/queue`, {
			auth: "session",
		});
	}
	queueTicket(sku: string) {
		return this.request<Ticket>("GET", `/api/products/${encodeURIComponent(sku)}/queue`, {
			auth: "session",
		});
	}
	/** The session's holds on the SKU that still stand, and its count for the limit (docs/api.md). */
	sessionHolds(sku: string) {
		return this.request<SessionHolds>(
			"GET",
			`/api/products/${encodeURIComponent(sku)}/holds/mine`,
			{ auth: "session" },
		);
	}
	reservation(id: string) {
		return this.request<Reservation>("GET", `/api/reservations/${encodeURIComponent(id)}`, {
			auth: "session",
		});
	}
	cancel(id: string) {
		return this.request<Reservation>("DELETE", `/api/reservations/${encodeURIComponent(id)}`, {
			auth: "session",
		});
	}
	checkout(reservationId: string, paymentMethod: string, idempotencyKey: string) {
		return this.request<Order>("POST", "/api/checkout", {
			body: { reservationId, paymentMethod },
			auth: "session",
			idempotencyKey,
		});
	}
	order(id: string) {
		return this.request<Order>("GET", `/api/orders/${encodeURIComponent(id)}`, { auth: "session" });
	}

	// ---- demo sandbox (docs/demo.md): a private SKU per session, reset once a minute ----
	createSandbox() {
		return this.request<Product>("POST", "/api/demo/sandbox", { auth: "session" });
	}
	sandbox() {
		return this.request<Product>("GET", "/api/demo/sandbox", { auth: "session" });
	}
	resetSandbox() {
		return this.request<Product>("POST", "/api/demo/sandbox/reset", { auth: "session" });
	}
	/** The session's own guardrail threshold (shared/demo-guardrail.ts); re-arms it. */
	setDemoGuardrail(thresholdUsd: number) {
		return this.request<Guardrail>("POST", "/api/demo/guardrail", {
			body: { thresholdUsd },
			auth: "session",
		});
	}
	/** The presenter's fallback (docs/decisions/002-demo-guardrail.md): trips the session's guardrail now. */
	tripDemoGuardrail() {
		return this.request<Guardrail>("POST", "/api/demo/guardrail/trip", { auth: "session" });
	}

	// ---- operator ----
	createProduct(product: NewProduct) {
		return this.request<Product>("POST", "/api/admin/products", { body: product, auth: "admin" });
	}
	/** Changes the fields given and no other; 409 `invalid_state` names what it refused (docs/api.md). */
	updateProduct(sku: string, changes: ProductChanges) {
		return this.request<Product>("PATCH", `/api/admin/products/${encodeURIComponent(sku)}`, {
			body: changes,
			auth: "admin",
		});
	}
	/** `idempotencyKey`: the reset is done at most once under it (docs/api.md, Operator). */
	resetProduct(sku: string, idempotencyKey?: string) {
		return this.request<Product>("POST", `/api/admin/products/${encodeURIComponent(sku)}/reset`, {
			auth: "admin",
			...(idempotencyKey === undefined ? {} : { idempotencyKey }),
		});
	}
	stats(sku: string) {
		return this.request<Stats>("GET", `/api/admin/products/${encodeURIComponent(sku)}/stats`, {
			auth: "admin",
		});
	}
	/** The reserve path's per-second history as the SKU's object saw it (docs/api.md v1.1 additions). */
	metrics(sku: string, seconds: number) {
		return this.request<SkuMetrics>(
			"GET",
			`/api/admin/products/${encodeURIComponent(sku)}/metrics?seconds=${seconds}`,
			{ auth: "admin" },
		);
	}
	/** A page of the audit trail after the cursor `after` (null: from the start). */
	events(sku: string, after: string | null, limit: number) {
		const query = new URLSearchParams({ limit: String(limit) });
		if (after !== null) query.set("after", after);
		return this.request<EventsPage>(
			"GET",
			`/api/admin/products/${encodeURIComponent(sku)}/events?${query}`,
			{ auth: "admin" },
		);
	}
	/** The newest `count` events of the trail, oldest first (docs/api.md, "Following the audit trail"). */
	eventsTail(sku: string, count: number) {
		return this.request<EventsPage>(
			"GET",
			`/api/admin/products/${encodeURIComponent(sku)}/events?tail=${count}`,
			{ auth: "admin" },
		);
	}
	/** The newest `count` events before the cursor `before`, oldest first (an older page). */
	eventsBefore(sku: string, before: string, count: number) {
		const query = new URLSearchParams({ tail: String(count), before });
		return this.request<EventsPage>(
			"GET",
			`/api/admin/products/${encodeURIComponent(sku)}/events?${query}`,
			{ auth: "admin" },
		);
	}
}
