// Checkout latency against a running server (issue 3: FR-4 asks checkout p95 ≤ 450 ms).
// Creates a throwaway product with one unit per buyer, gives every buyer a session
// (untimed), then runs the buyers `--concurrency` at a time; each buyer reserves one
// unit and checks it out. Reports p50/p95/p99 of the full HTTP round trip of
// POST /api/checkout (and of the reserve before it), and checks the records:
// sold == orders == buyers, oversell 0.
//
//   PORT=9300 PAYMENT_SIM_LATENCY_MS=200 RATE_LIMITS=off npm start      # in one shell
//   node cli/checkout-probe.ts --url http://127.0.0.1:9300 --buyers 200 --concurrency 10
//
// Tokens default to local.vars (ADMIN_TOKEN, DEBUG_TOKEN), overridable from the environment.

import { parseArgs } from "node:util";
import { localVars } from "../scripts/config.ts";

/** Bounds on the arguments: a probe, not a load test. */
const MAX_BUYERS = 10_000;
const MAX_CONCURRENCY = 256;
const MAX_PER_USER = 1;
const HOLD_SECONDS = 600;
const PRICE_CENTS = 4_999;

interface Timed {
	status: number;
	ms: number;
	body: { data?: Record<string, unknown>; error?: { code: string } };
}

const { values } = parseArgs({
	options: {
		url: { type: "string", default: `http://127.0.0.1:${process.env.PORT ?? 8787}` },
		buyers: { type: "string", default: "200" },
		concurrency: { type: "string", default: "10" },
		method: { type: "string", default: "pm_card_visa" },
		json: { type: "boolean", default: false },
	},
});

function bounded(name: string, value: string, max: number): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > max)
		throw new Error(`--${name} must be an integer 1..${max}`);
	return n;
}

const base = values.url.replace(/\/+$/, "");
const buyers = bounded("buyers", values.buyers, MAX_BUYERS);
const concurrency = bounded("concurrency", values.concurrency, MAX_CONCURRENCY);
const vars = localVars();
const adminToken = vars.ADMIN_TOKEN ?? "";
const debugToken = vars.DEBUG_TOKEN ?? "";

async function send(
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Timed> {
	const started = performance.now();
	const res = await fetch(`${base}${path}`, {
		method,
		headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	const ms = performance.now() - started;
	return { status: res.status, ms, body: text ? (JSON.parse(text) as Timed["body"]) : {} };
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] as number;
}

function summary(samples: number[]) {
	const sorted = [...samples].sort((a, b) => a - b);
	const round = (n: number) => Math.round(n * 10) / 10;
	return {
		n: sorted.length,
		p50Ms: round(percentile(sorted, 50)),
		p95Ms: round(percentile(sorted, 95)),
		p99Ms: round(percentile(sorted, 99)),
		maxMs: round(sorted.at(-1) ?? Number.NaN),
	};
}

/** Runs `task(i)` for i in 0..count-1, at most `width` at a time. */
async function pool(
	count: number,
	width: number,
	task: (i: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

async function main(): Promise<void> {
	const sku = `PROBE-${Date.now().toString(36)}`;
	const admin = { authorization: `Bearer ${adminToken}` };
	const created = await send(
		"POST",
		"/api/admin/products",
		{
			sku,
			name: "Checkout probe",
			priceCents: PRICE_CENTS,
			currency: "USD",
			totalStock: buyers,
			holdSeconds: HOLD_SECONDS,
			perUserLimit: MAX_PER_USER,
		},
		admin,
	);
	if (created.status !== 201)
		throw new Error(`creating ${sku} answered ${created.status}: ${JSON.stringify(created.body)}`);

	const tokens: string[] = new Array(buyers);
	await pool(buyers, concurrency, async (i) => {
		const res = await send("POST", "/api/sessions", { turnstileToken: debugToken });
		if (res.status !== 201)
			throw new Error(`session answered ${res.status}: ${JSON.stringify(res.body)}`);
		tokens[i] = String(res.body.data?.token);
	});

	const reserveMs: number[] = [];
	const checkoutMs: number[] = [];
	const statuses: Record<string, number> = {};
	const count = (key: string) => {
		statuses[key] = (statuses[key] ?? 0) + 1;
	};
	const startedAt = performance.now();
	await pool(buyers, concurrency, async (i) => {
		const auth = { authorization: `Bearer ${tokens[i]}` };
		const hold = await send("POST", "/api/reservations", { sku }, auth);
		reserveMs.push(hold.ms);
		if (hold.status !== 201) {
			count(`reserve ${hold.status} ${hold.body.error?.code ?? ""}`.trim());
			return;
		}
		const pay = await send(
			"POST",
			"/api/checkout",
			{ reservationId: hold.body.data?.reservationId, paymentMethod: values.method },
			{ ...auth, "idempotency-key": `probe-${i}` },
		);
		checkoutMs.push(pay.ms);
		count(`checkout ${pay.status}${pay.body.error ? ` ${pay.body.error.code}` : ""}`);
	});
	const elapsedSec = (performance.now() - startedAt) / 1000;

	const stats = await send("GET", `/api/admin/products/${sku}/stats`, undefined, admin);
	const result = {
		url: base,
		sku,
		buyers,
		concurrency,
		paymentMethod: values.method,
		elapsedSec: Math.round(elapsedSec * 100) / 100,
		checkoutsPerSec: Math.round((checkoutMs.length / elapsedSec) * 10) / 10,
		checkout: summary(checkoutMs),
		reserve: summary(reserveMs),
		statuses,
		records: stats.body.data,
	};
	if (values.json) {
		console.log(JSON.stringify(result, null, 2));
	} else {
		const c = result.checkout;
		const r = result.reserve;
		console.log(`${buyers} buyers, ${concurrency} at a time, ${values.method} → ${base}`);
		console.log(
			`checkout  p50 ${c.p50Ms} ms  p95 ${c.p95Ms} ms  p99 ${c.p99Ms} ms  max ${c.maxMs} ms  (${result.checkoutsPerSec}/s)`,
		);
		console.log(
			`reserve   p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  p99 ${r.p99Ms} ms  max ${r.maxMs} ms`,
		);
		console.log(`statuses  ${JSON.stringify(statuses)}`);
		console.log(`records   ${JSON.stringify(result.records)}`);
	}
	const sold = Number((stats.body.data as { sold?: number } | undefined)?.sold);
	const oversell = Number(
		(stats.body.data as { oversellCount?: number } | undefined)?.oversellCount,
	);
	if (values.method === "pm_card_visa" && (sold !== statuses["checkout 200"] || oversell !== 0)) {
		console.error(
			`records disagree: sold ${sold}, paid ${statuses["checkout 200"]}, oversell ${oversell}`,
		);
		process.exitCode = 1;
	}
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
