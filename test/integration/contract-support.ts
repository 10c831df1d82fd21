// The contract test's harness (contract.test.ts): docs/api.md parsed into its status
// table and its routes, the routes the Worker registers, and a recorder that sends
// requests as a client would and keeps every answer under the route it exercises.

import contract from "../../docs/api.md?raw";
import { app } from "../../src/worker/app.ts";
import { worker } from "./bad-input-support.ts";
import type { ApiResponse, CallOptions } from "./helpers.ts";

/** Statuses the contract uses for success; 101 only where it promises a WebSocket. */
export const SUCCESS_STATUSES = new Set([200, 201]);
export const WEBSOCKET_ROUTES = new Set(["GET /api/products/:x/live"]);
/** Over the 16 KiB body limit of the contract. */
const OVERSIZE_BYTES = 17 * 1024;

/** The contract's status table (`| 409 | \`sold_out\`, … |`) plus codes its sections add to a row. */
function parseStatusTable(markdown: string): Map<number, Set<string>> {
	const table = new Map<number, Set<string>>();
	for (const match of markdown.matchAll(/^\| (\d{3}) \| (.+) \|$/gm)) {
		const codes = [...(match[2] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? "");
		table.set(Number(match[1]), new Set(codes));
	}
	// "Add `queued` to the 429 row of the status table." (waiting room, v1.1)
	for (const match of markdown.matchAll(/Add `([a-z_]+)` to the (\d{3}) row/g)) {
		table.get(Number(match[2]))?.add(match[1] ?? "");
	}
	return table;
}

/** Route parameters under one name, so `:sku` and `:id` compare equal. */
function normalise(route: string): string {
	return route.replace(/:[A-Za-z]+/g, ":x");
}

/** Every "`METHOD /path`" the contract names, query strings dropped. */
function parseRoutes(markdown: string): Set<string> {
	const routes = new Set<string>();
	for (const match of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)/g)) {
		routes.add(normalise(`${match[1]} ${match[2]}`));
	}
	return routes;
}

export const STATUS_TABLE = parseStatusTable(contract);
export const CONTRACT_ROUTES = parseRoutes(contract);

/** The routes the app answers (Hono's table; `ALL` entries are middleware). */
export const APP_ROUTES = new Set(
	app.routes.filter((r) => r.method !== "ALL").map((r) => normalise(`${r.method} ${r.path}`)),
);

export type Answer = {
	route: string;
	label: string;
	status: number;
	code: string | null;
	body: Record<string, unknown> | null;
	retryAfter: string | null;
};

/** Every answer the test drives, and the two ways of driving one (each test file its own). */
export function answerRecorder() {
	const answers: Answer[] = [];

	/**
	 * Sends one request as a client would and records the answer under the route it exercises.
	 * `route` is the contract's pattern ("POST /api/reservations"), `path` the concrete URL.
	 */
	async function send(
		route: string,
		label: string,
		path: string,
		options: CallOptions = {},
	): Promise<Answer> {
		const method = route.split(" ")[0] ?? "GET";
		const headers: Record<string, string> = { ...options.headers };
		if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
		let body: string | undefined;
		if (options.rawBody !== undefined) body = options.rawBody;
		else if (options.body !== undefined) {
			body = JSON.stringify(options.body);
			headers["content-type"] ??= "application/json";
		}
		const res = await worker.fetch(new Request(`http://rg.test${path}`, { method, headers, body }));
		let parsed: Record<string, unknown> | null = null;
		if (res.status === 101) {
			const socket = (res as Response & { webSocket?: WebSocket | null }).webSocket;
			socket?.accept();
			socket?.close(1000, "contract test done");
		} else {
			const text = await res.text();
			parsed = text === "" ? null : (JSON.parse(text) as Record<string, unknown>);
		}
		const error = parsed?.error as { code?: string } | undefined;
		const answer: Answer = {
			route: normalise(route),
			label,
			status: res.status,
			code: error?.code ?? null,
			body: parsed,
			retryAfter: res.headers.get("retry-after"),
		};
		answers.push(answer);
		return answer;
	}

	/** Records an answer of the app driven with rate limits on (ratelimit-support.ts). */
	function record(route: string, label: string, res: ApiResponse<unknown>): void {
		const body = res.body as Record<string, unknown>;
		answers.push({
			route: normalise(route),
			label,
			status: res.status,
			code: (body.error as { code?: string } | undefined)?.code ?? null,
			body,
			retryAfter: res.headers.get("retry-after"),
		});
	}

	return { answers, send, record };
}

export function dataOf<T>(answer: Answer): T {
	return answer.body?.data as T;
}

export const OVERSIZE = JSON.stringify({ sku: "X", pad: "x".repeat(OVERSIZE_BYTES) });
export const TEXT = { "content-type": "text/plain" };
