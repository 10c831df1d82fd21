// Before the burst: the target answers, a fresh SKU exists, the buyers have sessions.
// Failures here are values with a sentence for the operator; the run stops on them.

import type { Product } from "../../src/shared/types.ts";
import type { Buyer } from "./burst.ts";
import { type JsonClient, pool } from "./http.ts";
import type { DropOptions } from "./options.ts";
import type { Progress } from "./progress.ts";

/** Sessions are set-up, not the thing measured: a modest number in flight is enough. */
const SESSION_CONCURRENCY = 64;
/** The simulated product's price (any value works; the orders carry it). */
const PRICE_CENTS = 12_900;

export type Setup<T> = { ok: true; value: T } | { ok: false; message: string };

export async function checkTarget(client: JsonClient, url: string): Promise<Setup<null>> {
	const health = await client.request("GET", "/healthz");
	if (health.status === 200) return { ok: true, value: null };
	const why = health.status === 0 ? (health.problem ?? "no answer") : `HTTP ${health.status}`;
	return {
		ok: false,
		message: `cannot reach ${url}/healthz (${why}); start the server with \`RATE_LIMITS=off npm start\``,
	};
}

export async function createProduct(
	client: JsonClient,
	options: DropOptions,
	sku: string,
): Promise<Setup<Product>> {
	const answer = await client.request<Product>("POST", "/api/admin/products", {
		token: options.adminToken,
		body: {
			sku,
			name: `Drop simulator ${sku}`,
			priceCents: PRICE_CENTS,
			currency: "USD",
			totalStock: options.stock,
			holdSeconds: options.holdSeconds,
			perUserLimit: options.perUserLimit,
		},
	});
	if (answer.status === 201 && answer.data !== null) return { ok: true, value: answer.data };
	if (answer.status === 401) {
		return {
			ok: false,
			message: "the admin token was refused (401): pass --admin-token or set ADMIN_TOKEN",
		};
	}
	return {
		ok: false,
		message: `creating the product failed: HTTP ${answer.status} ${describe(answer)}`,
	};
}

export async function createBuyers(
	client: JsonClient,
	options: DropOptions,
	progress: Progress,
	expired: () => boolean,
): Promise<Setup<Buyer[]>> {
	const buyers: Buyer[] = [];
	let refusal: string | null = null;
	await pool(
		options.buyers,
		Math.min(SESSION_CONCURRENCY, options.concurrency),
		async () => {
			// Set-up, safe to repeat: a lost answer costs one unused session.
			const answer = await client.retrying<{ sessionId: string; token: string }>(
				"POST",
				"/api/sessions",
				{
					body: { turnstileToken: options.debugToken },
				},
			);
			if (answer.status === 201 && answer.data !== null) {
				buyers.push({ sessionId: answer.data.sessionId, token: answer.data.token });
				progress.update(`sessions: ${buyers.length}/${options.buyers}`);
				return;
			}
			if (answer.status === 429) {
				refusal ??= `the target rate-limits session creation (429); start it with RATE_LIMITS=off (api.md, Configuration)`;
			} else if (answer.status === 403) {
				refusal ??= `the debug token was refused (403 ${answer.error?.code}): pass --debug-token or set DEBUG_TOKEN`;
			} else {
				refusal ??= `creating a session failed: HTTP ${answer.status} ${describe(answer)}`;
			}
		},
		() => refusal !== null || expired(),
	);
	if (refusal !== null) return { ok: false, message: refusal };
	if (buyers.length < options.buyers)
		return { ok: false, message: `time ran out after ${buyers.length} sessions` };
	return { ok: true, value: buyers };
}

function describe(answer: {
	error: { code: string; message: string } | null;
	problem: string | null;
}): string {
	if (answer.error !== null) return `${answer.error.code}: ${answer.error.message}`;
	return answer.problem ?? "";
}
