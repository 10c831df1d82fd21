// Before the burst. The preflight — the target answers, the operator token is
// accepted, every buyer has a session — runs before the SKU exists: there is no
// API to delete a product, so a run that stops there leaves nothing in the
// public catalogue. Then the SKU is created and each buyer reads it (the prior
// read of buyers.ts); a failed read is counted, not fatal, since the SKU is
// already there and the run is worth finishing.
// Failures are values with a sentence for the operator; the run stops on them.

import type { RateLimitConfig } from "../../src/ratelimit/config.ts";
import type { IssuedSession } from "../../src/shared/sessions.ts";
import type { Product } from "../../src/shared/types.ts";
import { type Buyer, buyerIp, ipHeader } from "./buyers.ts";
import { type Answer, type JsonClient, pool } from "./http.ts";
import type { DropOptions } from "./options.ts";
import type { Progress } from "./progress.ts";

/** Sessions and reads are set-up, not the thing measured: a modest number in flight is enough. */
const SETUP_CONCURRENCY = 64;
/**
 * Load-test sessions per request, and requests in flight: one batch of 100 at a time. The server
 * takes up to 1,000 a request, but on the local runtime a batch's KV writes hold up every other
 * request until the batch is done: with two batches of 1,000 in flight `/healthz` answered in
 * 1.6–4.6 s (median), with one of 100 in 0.04–0.17 s, minting as fast within the machine's noise
 * (docs/decisions/108-the-drop-at-its-default-size.md, part 4).
 */
const ADMIN_SESSION_BATCH = 100;
const ADMIN_SESSION_BATCHES_IN_FLIGHT = 1;
/** The simulated product's price (any value works; the orders carry it). */
const PRICE_CENTS = 12_900;

export type Setup<T> = { ok: true; value: T } | { ok: false; message: string };

export async function checkTarget(client: JsonClient, url: string): Promise<Setup<null>> {
	const health = await client.request("GET", "/healthz");
	if (health.status === 200) return { ok: true, value: null };
	const why = health.status === 0 ? (health.problem ?? "no answer") : `HTTP ${health.status}`;
	return {
		ok: false,
		message: `cannot reach ${url}/healthz (${why}); start the server with \`npm start\``,
	};
}

/** The operator token works, and the rate limits in force (null when RATE_LIMITS=off). */
export async function checkOperator(
	client: JsonClient,
	options: DropOptions,
): Promise<Setup<RateLimitConfig | null>> {
	const answer = await client.retrying<{ enabled: boolean; limits: RateLimitConfig | null }>(
		"GET",
		"/api/admin/limits",
		{ token: options.adminToken },
	);
	if (answer.status === 200 && answer.data !== null)
		return { ok: true, value: answer.data.enabled ? answer.data.limits : null };
	return { ok: false, message: operatorRefusal("reading the rate limits", answer) };
}

export async function createProduct(
	client: JsonClient,
	options: DropOptions,
	sku: string,
): Promise<Setup<Product>> {
	// Repeatable: the same body again answers 201 with the product a lost answer created
	// (docs/decisions/007-cold-path-d1-outages.md).
	const answer = await client.retrying<Product>("POST", "/api/admin/products", {
		token: options.adminToken,
		body: {
			sku,
			name: `Drop simulator ${sku}`,
			priceCents: PRICE_CENTS,
			currency: "USD",
			totalStock: options.stock,
			holdSeconds: options.holdSeconds,
			perUserLimit: options.perUserLimit,
			// Absent for one object, so a run against a server without shards still works.
			...(options.shards > 1 ? { shards: options.shards } : {}),
		},
	});
	if (answer.status === 201 && answer.data !== null) return { ok: true, value: answer.data };
	return { ok: false, message: operatorRefusal("creating the product", answer) };
}

/** `--buyers` sessions, from the operator (batches of ≤ 1,000) or the public door. */
export async function createBuyers(
	client: JsonClient,
	options: DropOptions,
	withIps: boolean,
	progress: Progress,
	expired: () => boolean,
): Promise<Setup<Buyer[]>> {
	const issued: IssuedSession[] = [];
	let refusal: string | null = null;
	const report = () => progress.update(`sessions: ${issued.length}/${options.buyers}`);
	if (options.sessions === "admin") {
		const batches = Math.ceil(options.buyers / ADMIN_SESSION_BATCH);
		await pool(
			batches,
			ADMIN_SESSION_BATCHES_IN_FLIGHT,
			async (b) => {
				const count = Math.min(ADMIN_SESSION_BATCH, options.buyers - b * ADMIN_SESSION_BATCH);
				// Set-up, safe to repeat: a lost answer costs unused sessions, a 429 waits its Retry-After.
				const answer = await client.retrying<{ sessions: IssuedSession[] }>(
					"POST",
					"/api/admin/sessions",
					{ token: options.adminToken, body: { count } },
				);
				if (answer.status === 201 && answer.data !== null) {
					issued.push(...answer.data.sessions);
					report();
					return;
				}
				refusal ??=
					answer.status === 404
						? "the target has no POST /api/admin/sessions (an older server): pass --sessions public"
						: operatorRefusal("issuing load-test sessions", answer);
			},
			() => refusal !== null || expired(),
		);
	} else {
		await pool(
			options.buyers,
			Math.min(SETUP_CONCURRENCY, options.concurrency),
			async (i) => {
				const answer = await client.retrying<IssuedSession>("POST", "/api/sessions", {
					body: { turnstileToken: options.debugToken },
					headers: withIps ? ipHeader(buyerIp(i)) : {},
				});
				if (answer.status === 201 && answer.data !== null) {
					issued.push(answer.data);
					report();
					return;
				}
				if (answer.status === 429) {
					refusal ??=
						"the target rate-limits session creation (429): use the operator's sessions (--sessions admin, the default)";
				} else if (answer.status === 403) {
					refusal ??= `the debug token was refused (403 ${answer.error?.code}): pass --debug-token or set DEBUG_TOKEN`;
				} else {
					refusal ??= `creating a session failed: HTTP ${answer.status} ${describe(answer)}`;
				}
			},
			() => refusal !== null || expired(),
		);
	}
	if (refusal !== null) return { ok: false, message: refusal };
	if (issued.length < options.buyers)
		return { ok: false, message: `time ran out after ${issued.length} sessions` };
	return {
		ok: true,
		value: issued
			.slice(0, options.buyers)
			.map((s, i) => ({ sessionId: s.sessionId, token: s.token, ip: withIps ? buyerIp(i) : null })),
	};
}

/**
 * Every buyer looks at the product with its session, as the storefront does
 * before anyone can click: the server's "prior read". Answers by status.
 */
export async function readProduct(
	client: JsonClient,
	buyers: Buyer[],
	sku: string,
	progress: Progress,
	expired: () => boolean,
): Promise<Record<string, number>> {
	const statusCounts: Record<string, number> = {};
	let done = 0;
	await pool(
		buyers.length,
		SETUP_CONCURRENCY,
		async (i) => {
			const buyer = buyers[i] as Buyer;
			const answer = await client.retrying("GET", `/api/products/${encodeURIComponent(sku)}`, {
				token: buyer.token,
				headers: ipHeader(buyer.ip),
			});
			statusCounts[answer.status] = (statusCounts[answer.status] ?? 0) + 1;
			progress.update(`reads: ${++done}/${buyers.length} buyers looked at ${sku}`);
		},
		expired,
	);
	return statusCounts;
}

function operatorRefusal(what: string, answer: Answer<unknown>): string {
	if (answer.status === 401 || answer.status === 403)
		return `the admin token was refused (${answer.status} ${answer.error?.code ?? ""}) ${what}: pass --admin-token or set ADMIN_TOKEN`;
	const why = answer.status === 0 ? (answer.problem ?? "no answer") : `HTTP ${answer.status}`;
	return `${what} failed: ${why} ${describe(answer)}`.trim();
}

function describe(answer: {
	error: { code: string; message: string } | null;
	problem: string | null;
}): string {
	if (answer.error !== null) return `${answer.error.code}: ${answer.error.message}`;
	return answer.problem ?? "";
}
