// Hand-run check of the three peers on their real engines:
//   node cli/peers/smoke.ts [redis-lua|postgres-row-lock|single-writer ...]
// For each peer: a SKU with 100 units, 300 concurrent reserves → exactly 100 holds (201),
// 200 sold out (409), and the engine's own records show 100 units held and no oversell.
// Also checks the error envelope (401, 400, 404, 413). Exits 1 on any failure.

import { Redis } from "ioredis";
import pg from "pg";
import { ensurePostgres, ensureRedis, type Service } from "../services.ts";
import { MAX_BODY_BYTES, type PeerStats } from "./common.ts";
import { PEER_ENGINE, PEER_NAMES, type PeerName, startPeerProcess } from "./spawn.ts";

const STOCK = 100;
const ATTEMPTS = 300;
const REQUEST_TIMEOUT_MS = 30_000;

type Check = { name: string; ok: boolean; detail: string };

async function smokePeer(baseUrl: string): Promise<Check[]> {
	const sku = `smoke-${Date.now()}`;
	const checks: Check[] = [];
	const expect = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

	const setup = await post(baseUrl, "/admin/setup", { sku, stock: STOCK });
	expect("setup 201", setup.status === 201, `status ${setup.status}`);

	const attempts = Array.from({ length: ATTEMPTS }, (_, i) =>
		post(baseUrl, "/api/reservations", { sku }, `session-${i}`),
	);
	const results = await Promise.all(attempts);
	const count = (status: number) => results.filter((result) => result.status === status).length;
	expect(`${STOCK} reserved (201)`, count(201) === STOCK, `got ${count(201)}`);
	expect(
		`${ATTEMPTS - STOCK} sold out (409)`,
		count(409) === ATTEMPTS - STOCK,
		`got ${count(409)}`,
	);
	const first = results.find((result) => result.status === 201)?.json as
		| {
				data?: { status?: string; reservationId?: string; expiresInSeconds?: number };
				meta?: { requestId?: string };
		  }
		| undefined;
	expect(
		"reservation shape",
		first?.data?.status === "RESERVED" &&
			typeof first.data.reservationId === "string" &&
			typeof first.meta?.requestId === "string",
		JSON.stringify(first),
	);
	const soldOut = results.find((result) => result.status === 409)?.json as
		| { error?: { code?: string } }
		| undefined;
	expect("sold_out code", soldOut?.error?.code === "sold_out", JSON.stringify(soldOut));

	const statsResponse = await fetch(`${baseUrl}/admin/stats?sku=${sku}`, {
		signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
	});
	const stats = ((await statsResponse.json()) as { data: PeerStats }).data;
	expect(
		"records: 100 holds, 100 units, oversell 0",
		stats.holds === STOCK &&
			stats.unitsHeld === STOCK &&
			stats.oversell === 0 &&
			stats.total === STOCK,
		JSON.stringify(stats),
	);

	// Multi-unit holds: 10 units, five concurrent attempts for 3 → three fit (9 units), then the
	// last unit goes to a single-unit attempt and the next one is sold out.
	const multiSku = `${sku}-multi`;
	await post(baseUrl, "/admin/setup", { sku: multiSku, stock: 10 });
	const triples = await Promise.all(
		Array.from({ length: 5 }, (_, i) =>
			post(baseUrl, "/api/reservations", { sku: multiSku, quantity: 3 }, `m-${i}`),
		),
	);
	const lastUnit = await post(baseUrl, "/api/reservations", { sku: multiSku }, "m-last");
	const afterLast = await post(baseUrl, "/api/reservations", { sku: multiSku }, "m-after");
	const multiStats = (
		(await (await fetch(`${baseUrl}/admin/stats?sku=${multiSku}`)).json()) as { data: PeerStats }
	).data;
	expect(
		"quantity 3: three holds fit in 10, then 1 unit, then sold out",
		triples.filter((result) => result.status === 201).length === 3 &&
			lastUnit.status === 201 &&
			afterLast.status === 409 &&
			multiStats.holds === 4 &&
			multiStats.unitsHeld === 10 &&
			multiStats.oversell === 0,
		JSON.stringify({
			triples: triples.map((r) => r.status),
			last: lastUnit.status,
			after: afterLast.status,
			multiStats,
		}),
	);

	const noToken = await post(baseUrl, "/api/reservations", { sku }, undefined);
	expect("401 without token", noToken.status === 401, `status ${noToken.status}`);
	const badQuantity = await post(baseUrl, "/api/reservations", { sku, quantity: 11 }, "s");
	expect("400 on quantity 11", badQuantity.status === 400, `status ${badQuantity.status}`);
	const unknown = await post(baseUrl, "/api/reservations", { sku: `${sku}-nope` }, "s");
	expect("404 unknown_sku", unknown.status === 404, `status ${unknown.status}`);
	const huge = await post(
		baseUrl,
		"/api/reservations",
		{ sku, pad: "x".repeat(MAX_BODY_BYTES) },
		"s",
	);
	expect("413 over 16 KiB", huge.status === 413, `status ${huge.status}`);
	return checks;
}

/** The engines must promise what our Durable Object promises: durable before the answer. */
async function durabilityChecks(
	services: Partial<Record<"redis" | "postgres", Service>>,
): Promise<Check[]> {
	const checks: Check[] = [];
	if (services.redis) {
		const redis = new Redis(services.redis.url);
		const [, appendonly] = (await redis.config("GET", "appendonly")) as string[];
		const [, appendfsync] = (await redis.config("GET", "appendfsync")) as string[];
		await redis.quit();
		checks.push({
			name: `redis ${services.redis.version}: appendonly yes, appendfsync always`,
			ok: appendonly === "yes" && appendfsync === "always",
			detail: `appendonly=${appendonly} appendfsync=${appendfsync}`,
		});
	}
	if (services.postgres) {
		const client = new pg.Client({ connectionString: services.postgres.url });
		await client.connect();
		const setting = async (name: string) =>
			(await client.query<{ v: string }>(`SELECT current_setting('${name}') AS v`)).rows[0]?.v;
		const fsync = await setting("fsync");
		const synchronousCommit = await setting("synchronous_commit");
		await client.end();
		checks.push({
			name: "postgres: fsync on, synchronous_commit on",
			ok: fsync === "on" && synchronousCommit === "on",
			detail: `fsync=${fsync} synchronous_commit=${synchronousCommit}`,
		});
	}
	return checks;
}

async function post(baseUrl: string, path: string, body: unknown, token?: string) {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const response = await fetch(`${baseUrl}${path}`, {
		method: "POST",
		headers,
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
	});
	return { status: response.status, json: (await response.json()) as unknown };
}

async function main(): Promise<number> {
	const wanted = process.argv.slice(2);
	const names = wanted.length > 0 ? (wanted as PeerName[]) : [...PEER_NAMES];
	const unknownNames = names.filter((name) => !PEER_NAMES.includes(name));
	if (unknownNames.length > 0) throw new Error(`unknown peer(s): ${unknownNames.join(", ")}`);

	const services: Partial<Record<"redis" | "postgres", Service>> = {};
	let failed = 0;
	const report = (scope: string, check: Check) => {
		if (!check.ok) failed++;
		console.log(
			`${check.ok ? "ok  " : "FAIL"} ${scope}: ${check.name}${check.ok ? "" : ` — ${check.detail}`}`,
		);
	};
	try {
		if (names.some((name) => PEER_ENGINE[name] === "redis")) services.redis = await ensureRedis();
		if (names.some((name) => PEER_ENGINE[name] === "postgres"))
			services.postgres = await ensurePostgres();
		for (const check of await durabilityChecks(services)) report("engines", check);
		for (const name of names) {
			const engine = services[PEER_ENGINE[name]];
			if (!engine) throw new Error(`no engine for ${name}`);
			const peer = await startPeerProcess(name, engine.url);
			try {
				for (const check of await smokePeer(peer.url)) report(name, check);
			} finally {
				await peer.stop();
			}
		}
	} finally {
		await services.redis?.stop();
		await services.postgres?.stop();
	}
	console.log(failed === 0 ? "smoke: all checks passed" : `smoke: ${failed} check(s) failed`);
	return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
