// Calls the app with configuration the workers project does not set (a low
// guardrail, a billing scale, rate limits on): the real app, real bindings,
// only the vars differ. The objects keep the project's own env.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { CostLedger, Guardrail } from "../../src/shared/types.ts";
import { app } from "../../src/worker/app.ts";
import type { ApiResponse } from "./helpers.ts";

export type Vars = Record<string, string | undefined>;

export async function callWith<T = Record<string, unknown>>(
	vars: Vars,
	method: string,
	path: string,
	options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] ??= "application/json";
	}
	// Ledger flushes run in waitUntil on this context; nothing here needs to wait for them.
	const res = await app.fetch(
		new Request(`http://rg.test${path}`, { method, headers, body }),
		{ ...env, ...vars },
		createExecutionContext(),
	);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

export async function sessionWith(
	vars: Vars,
): Promise<{ token: string; res: ApiResponse<{ token: string }> }> {
	const res = await callWith<{ token: string }>(vars, "POST", "/api/sessions", {
		body: { turnstileToken: "test-debug-token" },
	});
	if (res.status !== 201 || !res.body.data)
		throw new Error(`session failed: ${res.status} ${JSON.stringify(res.body)}`);
	return { token: res.body.data.token, res };
}

export function costOf(res: ApiResponse<unknown>): CostLedger {
	const cost = res.body.meta?.cost as CostLedger | undefined;
	if (cost === undefined)
		throw new Error(`no meta.cost on ${res.status} ${JSON.stringify(res.body)}`);
	return cost;
}

export function guardrailOf(res: ApiResponse<unknown>): Guardrail {
	const guardrail = res.body.meta?.guardrail as Guardrail | undefined;
	if (guardrail === undefined)
		throw new Error(`no meta.guardrail on ${res.status} ${JSON.stringify(res.body)}`);
	return guardrail;
}
