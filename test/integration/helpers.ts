// Drives the Worker through its real fetch handler inside workerd.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { AuditEvent, Product, Stats } from "../../src/shared/types.ts";
import type { EventsPage } from "../../src/web/api/client.ts";

// `exports` is typed per project by `wrangler types`; here we only need its default fetch.
const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;

export const ADMIN = "test-admin-token";
export const DEBUG = "test-debug-token";
const BASE = "http://rg.test";

export interface ApiResponse<T = Record<string, unknown>> {
	status: number;
	headers: Headers;
	body: { data?: T; error?: { code: string; message: string }; meta?: Record<string, unknown> };
}

/** What a test request may carry besides its method and path. */
export interface CallOptions {
	token?: string;
	body?: unknown;
	rawBody?: string;
	headers?: Record<string, string>;
}

export async function call<T = Record<string, unknown>>(
	method: string,
	path: string,
	options: CallOptions = {},
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.rawBody !== undefined) body = options.rawBody;
	else if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] ??= "application/json";
	}
	const res = await worker.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

export function uniqueSku(prefix = "T"): string {
	return `${prefix}-${crypto.randomUUID().slice(0, 12)}`;
}

export async function createProduct(
	fields: Partial<{
		sku: string;
		totalStock: number;
		holdSeconds: number;
		perUserLimit: number;
		startsAt: string | null;
		priceCents: number;
		shards: number;
	}> = {},
): Promise<string> {
	const sku = fields.sku ?? uniqueSku();
	const res = await call("POST", "/api/admin/products", {
		token: ADMIN,
		body: { name: "Test drop", priceCents: 1000, currency: "USD", totalStock: 10, ...fields, sku },
	});
	if (res.status !== 201)
		throw new Error(`create product failed: ${res.status} ${JSON.stringify(res.body)}`);
	return sku;
}

export async function newSession(): Promise<string> {
	const res = await call<{ token: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return res.body.data.token;
}

/** The SKU's operator stats (GET /api/admin/products/:sku/stats). */
export async function stats(sku: string): Promise<Stats> {
	const res = await call<Stats>("GET", `/api/admin/products/${sku}/stats`, { token: ADMIN });
	expect(res.status).toBe(200);
	return res.body.data as Stats;
}

/** The operator's PATCH of a product (PATCH /api/admin/products/:sku), answered as it is. */
export const patch = (sku: string, body: unknown) =>
	call<Product>("PATCH", `/api/admin/products/${sku}`, { token: ADMIN, body });

/**
 * The SKU's whole audit trail (GET /api/admin/products/:sku/events; the endpoint flushes the
 * outbox first): one page of up to 1000, checked to be the last, so a count of it is the SKU's.
 */
export async function trail(sku: string): Promise<AuditEvent[]> {
	const res = await call<EventsPage>("GET", `/api/admin/products/${sku}/events?limit=1000`, {
		token: ADMIN,
	});
	expect(res.status).toBe(200);
	const page = res.body.data as EventsPage;
	expect(page.next).toBeNull();
	return page.events;
}

/** The SKU's `inventory.reset` events: one per object that reset. */
export async function resetsIn(sku: string): Promise<AuditEvent[]> {
	return (await trail(sku)).filter((e) => e.type === "inventory.reset");
}

/** How many of the SKU's events D1 holds (the outbox's copy of its audit trail). */
export async function d1EventCount(sku: string): Promise<number> {
	const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE sku = ?")
		.bind(sku)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

/** A product its object has, that neither D1 (as the edge sees it) nor this isolate knows. */
export async function unseenProduct(): Promise<string> {
	const sku = uniqueSku("UNSEEN");
	const made = await env.INVENTORY.get(env.INVENTORY.idFromName(sku)).create({
		sku,
		name: "Unseen",
		priceCents: 1,
		currency: "USD",
		totalStock: 3,
		holdSeconds: 60,
		perUserLimit: 2,
		startsAtMs: null,
	});
	expect(made.ok).toBe(true);
	return sku;
}
