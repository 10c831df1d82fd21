// Where should a rate-limit counter live? Measures each option issue 7 weighs,
// on this machine, against local servers this script starts and stops itself:
//
//   part "options": the probe Worker (src/limits/probe) under `wrangler dev`,
//     one route per option, each doing one counted check — in-isolate memory,
//     the Workers Rate Limiting binding, a limiter Durable Object per key, and
//     the hot object with and without the per-session guard inside.
//   part "product": the product itself (`npm start`): reads and reserve
//     attempts with RATE_LIMITS=off and on (limits set so high that every check
//     runs and passes), and what a refusal costs at the edge and in the object.
//
// Usage: node cli/ratelimit-probe.ts [--part options|product|all] [--seconds 5]
//        [--connections 16] [--rounds 3] [--http]   (npm run probe:ratelimit)
// --http adds the options over HTTP with autocannon (noisy on a shared machine).
// Prints a Markdown table per part (README, "Rate limits and fairness").

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./lib/proc.ts";
import {
	load,
	measureAll,
	PART,
	ROUNDS,
	randomKey,
	type Server,
	startProcess,
	table,
	WRANGLER,
} from "./ratelimit-probe-lib.ts";

const ADMIN = "probe-admin";
const DEBUG = "probe-debug";
/** Sessions per product server: attempts spread over them like a crowd, not one bot. */
const SESSIONS = 200;
/** Limits no probe run reaches: every check runs, none refuses. */
const HIGH = "1000000";

/** Checks per /bench request: enough that one request takes tens of ms or more. */
const BENCH_N: Record<string, number> = {
	memory: 200_000,
	binding: 2000,
	"limiter-do": 2000,
	"hot-rpc": 2000,
	"hot-check": 2000,
	"hot-guard-x100": 200,
};
const HTTP = process.argv.includes("--http");

/**
 * The mean cost of one check of each kind, timed inside the Worker (sequential,
 * no HTTP, no concurrency): the least load-sensitive number on a shared machine.
 * Interleaved rounds, median per kind.
 */
async function benchTable(url: string): Promise<string> {
	const kinds = Object.keys(BENCH_N);
	const results = new Map<string, number[]>();
	for (let round = 0; round < ROUNDS; round++) {
		for (const kind of kinds) {
			const res = await fetch(`${url}/bench?kind=${kind}&n=${BENCH_N[kind]}`);
			const body = (await res.json()) as { perCheckUs: number };
			results.set(kind, [...(results.get(kind) ?? []), body.perCheckUs]);
			process.stderr.write(
				`  round ${round + 1} bench ${kind}: ${body.perCheckUs.toFixed(2)} µs/check\n`,
			);
		}
	}
	const median = (xs: number[]) =>
		[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
	const what: Record<string, string> = {
		memory: "token bucket in the isolate's memory (edge)",
		binding: "Workers Rate Limiting binding (local: a miniflare object)",
		"limiter-do": "limiter Durable Object per key (extra hop)",
		"hot-rpc": "RPC to the hot object, no check (the hop a reserve already pays)",
		"hot-check": "RPC to the hot object with the per-session guard inside",
		"hot-guard-x100": "the guard alone, inside the object (100 per RPC, hop shared)",
	};
	return [
		"### Where a counter can live: cost of one check, timed inside the Worker (probe Worker)",
		"",
		`Sequential checks, one request per kind, median of ${ROUNDS} interleaved rounds.`,
		"",
		"| option | µs per check |",
		"|---|---:|",
		...kinds.map((k) => `| ${what[k]} | ${median(results.get(k) ?? []).toFixed(2)} |`),
	].join("\n");
}

async function optionsPart(): Promise<string> {
	const port = await freePort();
	const state = mkdtempSync(join(tmpdir(), "rg-probe-"));
	const server = await startProcess(
		[
			WRANGLER,
			"dev",
			"--config",
			"src/limits/probe/wrangler.jsonc",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--persist-to",
			state,
			"--show-interactive-dev-session=false",
			"--live-reload=false",
			"--log-level",
			"warn",
		],
		{},
		port,
		"/noop",
	);
	try {
		const spoofed = await (
			await fetch(`${server.url}/ip`, { headers: { "cf-connecting-ip": "203.0.113.7" } })
		).text();
		const plain = await (await fetch(`${server.url}/ip`)).text();
		const parts = [await benchTable(server.url)];
		if (HTTP) {
			const routes = ["noop", "memory", "binding", "limiter-do", "hot-rpc", "hot-check"];
			const rows = await measureAll(
				routes.map((name) => ({
					name,
					run: (seconds: number) =>
						load(server.url, (req) => ({ ...req, path: `/${name}?k=${randomKey()}` }), seconds),
				})),
			);
			parts.push(
				table("The same options over HTTP, one check per request (probe Worker)", rows, "noop"),
			);
		}
		parts.push(
			`CF-Connecting-IP seen by the Worker locally: without the header "${plain}", with a client-set "203.0.113.7" → "${spoofed}".`,
		);
		return parts.join("\n\n");
	} finally {
		await server.stop();
		rmSync(state, { recursive: true, force: true });
	}
}

interface ProductServer extends Server {
	state: string;
	sku: string;
	tokens: string[];
}

async function productServer(env: Record<string, string>): Promise<ProductServer> {
	const port = await freePort();
	const state = mkdtempSync(join(tmpdir(), "rg-probe-product-"));
	const server = await startProcess(
		["scripts/start.ts"],
		{ PORT: String(port), STATE_DIR: state, ADMIN_TOKEN: ADMIN, DEBUG_TOKEN: DEBUG, ...env },
		port,
		"/healthz",
	);
	const sku = `PROBE-${Date.now().toString(36)}`;
	const post = (path: string, body: unknown, token?: string) =>
		fetch(`${server.url}${path}`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				...(token ? { authorization: `Bearer ${token}` } : {}),
			},
			body: JSON.stringify(body),
		});
	const created = await post(
		"/api/admin/products",
		{
			sku,
			name: "Probe",
			priceCents: 1,
			currency: "USD",
			totalStock: 10_000_000,
			perUserLimit: 1000,
		},
		ADMIN,
	);
	if (created.status !== 201)
		throw new Error(`creating the probe product answered ${created.status}`);
	const tokens: string[] = [];
	for (let i = 0; i < SESSIONS; i++) {
		const res = await post("/api/sessions", { turnstileToken: DEBUG });
		const body = (await res.json()) as { data?: { token: string } };
		if (!body.data) throw new Error(`creating a probe session answered ${res.status}`);
		tokens.push(body.data.token);
		// The prior read: each session looks at the product once, as the UI does.
		await fetch(`${server.url}/api/products/${sku}`, {
			headers: { authorization: `Bearer ${body.data.token}` },
		});
	}
	return { ...server, state, sku, tokens };
}

function reserveRun(s: ProductServer) {
	return (seconds: number) =>
		load(
			s.url,
			(req) => ({
				...req,
				method: "POST",
				path: "/api/reservations",
				headers: {
					"content-type": "application/json",
					authorization: `Bearer ${s.tokens[Math.floor(Math.random() * s.tokens.length)]}`,
				},
				body: JSON.stringify({ sku: s.sku }),
			}),
			seconds,
		);
}

function readRun(s: ProductServer) {
	return (seconds: number) =>
		load(s.url, (req) => ({ ...req, path: `/api/products/${s.sku}/availability` }), seconds);
}

async function productPart(): Promise<string> {
	const servers: ProductServer[] = [];
	try {
		// One at a time: two `wrangler dev` starting together can race for a port.
		const off = await productServer({ RATE_LIMITS: "off" });
		servers.push(off);
		const on = await productServer({
			RATE_LIMITS: "on",
			RATE_LIMIT_READS: HIGH,
			RATE_LIMIT_WRITES: HIGH,
			RATE_LIMIT_SESSIONS: HIGH,
			RATE_LIMIT_RESERVE: HIGH,
			RATE_LIMIT_RESERVE_NEW: HIGH,
			// A closed-loop crowd bursts; with a high suspected tier the flag costs nothing here either.
			RATE_LIMIT_RESERVE_SUSPECTED: HIGH,
		});
		servers.push(on);
		// Every reserve attempt refused by the SKU object (reserve limits 0), every read refused at the edge (reads 0).
		const refusing = await productServer({
			RATE_LIMITS: "on",
			RATE_LIMIT_SESSIONS: HIGH,
			RATE_LIMIT_WRITES: HIGH,
			RATE_LIMIT_READS: "0",
			RATE_LIMIT_RESERVE: "0",
			RATE_LIMIT_RESERVE_NEW: "0",
			RATE_LIMIT_RESERVE_SUSPECTED: "0",
		});
		servers.push(refusing);
		const rows = await measureAll([
			{ name: "read, RATE_LIMITS=off", run: readRun(off) },
			{ name: "read, on (per-IP bucket in memory)", run: readRun(on) },
			{ name: "read refused at the edge (429)", run: readRun(refusing) },
			{ name: "reserve, RATE_LIMITS=off", run: reserveRun(off) },
			{ name: "reserve, on (guard in the SKU object)", run: reserveRun(on) },
			{ name: "reserve refused by the SKU object (429)", run: reserveRun(refusing) },
		]);
		return table(
			"The product: cost of the chosen limits on the hot paths (npm start)",
			rows,
			"read, RATE_LIMITS=off",
		);
	} finally {
		for (const s of servers) {
			await s.stop();
			rmSync(s.state, { recursive: true, force: true });
		}
	}
}

async function main(): Promise<void> {
	const out: string[] = [];
	if (PART === "options" || PART === "all") out.push(await optionsPart());
	if (PART === "product" || PART === "all") out.push(await productPart());
	console.log(out.join("\n\n"));
}

main().catch((error) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
