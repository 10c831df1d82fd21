// The HTTP face shared by the benchmark peers: the same request and response shape as our
// `POST /api/reservations` (docs/api.md), so one load generator drives every row of the bench.
// Each peer only supplies a `PeerEngine`; everything on the wire is identical across peers.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** docs/api.md: bodies over 16 KiB are rejected with 413. */
export const MAX_BODY_BYTES = 16 * 1024;
/** docs/api.md: quantity is an integer 1..10, default 1. */
export const MAX_QUANTITY = 10;
/** docs/api.md default HOLD_SECONDS. The peers never expire holds: a bench run is shorter. */
export const HOLD_SECONDS = 120;
/** docs/api.md: `sku` is 1–64 of [A-Za-z0-9._-]. */
const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** docs/api.md: totalStock 0..10,000,000. */
export const MAX_STOCK = 10_000_000;
/** Longer than any load generator's idle gap, so connections are reused, never re-opened. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export type Hold = {
	reservationId: string;
	sku: string;
	sessionId: string;
	quantity: number;
	createdAtMs: number;
	expiresAtMs: number;
};

export type ReserveRequest = { sku: string; quantity: number; sessionId: string };
export type ReserveOutcome =
	| { ok: true; hold: Hold }
	| { ok: false; code: "sold_out" | "unknown_sku" | "unavailable" };

/** Counted from the engine's own records (hold rows), never from a counter the peer keeps. */
export type PeerStats = {
	sku: string;
	total: number;
	holds: number;
	unitsHeld: number;
	oversell: number;
};

export type PeerEngine = {
	reserve(request: ReserveRequest): Promise<ReserveOutcome>;
	/** (Re)creates the SKU with `stock` units and no holds. */
	setup(sku: string, stock: number): Promise<void>;
	stats(sku: string): Promise<PeerStats | undefined>;
	close(): Promise<void>;
};

export type PeerServer = { url: string; close(): Promise<void> };

/** A hold as the peer's process creates it before asking the engine to record it. */
export function newHold({ sku, quantity, sessionId }: ReserveRequest): Hold {
	const createdAtMs = Date.now();
	return {
		reservationId: randomUUID(),
		sku,
		sessionId,
		quantity,
		createdAtMs,
		expiresAtMs: createdAtMs + HOLD_SECONDS * 1000,
	};
}

export function oversellOf(total: number, unitsHeld: number): number {
	return Math.max(0, unitsHeld - total);
}

export async function startPeerServer(
	engine: PeerEngine,
	options: { port: number; host?: string },
): Promise<PeerServer> {
	const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
		const startedMs = performance.now();
		route(engine, req)
			.catch((error: unknown) => {
				console.error("[peer] unexpected:", error);
				return failure(503, "unavailable", "the engine failed; try again");
			})
			.then((reply) => send(res, reply, startedMs));
	});
	const host = options.host ?? "127.0.0.1";
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, host, () => resolve());
	});
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : options.port;
	return {
		url: `http://${host}:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				// Idle keep-alive sockets would otherwise hold close() open for KEEP_ALIVE_TIMEOUT_MS.
				server.closeAllConnections();
			}),
	};
}

// ---- routing ---------------------------------------------------------------------------------

type Reply = { status: number; body: Record<string, unknown> };

async function route(engine: PeerEngine, req: IncomingMessage): Promise<Reply> {
	// Split by hand: a WHATWG URL per request is measurable CPU on the hot path.
	const target = req.url ?? "/";
	const queryAt = target.indexOf("?");
	const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
	const key = `${req.method} ${pathname}`;
	if (key === "POST /api/reservations") return await reserve(engine, req);
	if (key === "POST /admin/setup") return await setup(engine, req);
	if (key === "GET /admin/stats") {
		const query = new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt + 1));
		const stats = await engine.stats(query.get("sku") ?? "");
		return stats ? success(200, stats) : failure(404, "unknown_sku", "no such SKU");
	}
	if (key === "GET /healthz") return success(200, { status: "ok" });
	return failure(404, "not_found", `no route for ${key}`);
}

async function reserve(engine: PeerEngine, req: IncomingMessage): Promise<Reply> {
	// The token stands in for the session: peers have no session store, by design of the bench.
	const sessionId = /^Bearer (\S{1,512})$/.exec(req.headers.authorization ?? "")?.[1];
	if (!sessionId) return failure(401, "unauthorized", "missing bearer token");
	const body = await readJson(req);
	if (!body.ok) return body.reply;
	const { sku, quantity = 1 } = body.value;
	if (typeof sku !== "string" || !SKU_PATTERN.test(sku)) {
		return failure(400, "invalid_request", "sku must be 1-64 of [A-Za-z0-9._-]");
	}
	if (
		!Number.isInteger(quantity) ||
		(quantity as number) < 1 ||
		(quantity as number) > MAX_QUANTITY
	) {
		return failure(400, "invalid_request", `quantity must be an integer 1..${MAX_QUANTITY}`);
	}
	const outcome = await engine.reserve({ sku, quantity: quantity as number, sessionId });
	if (outcome.ok) return success(201, reservationOf(outcome.hold));
	if (outcome.code === "sold_out") return failure(409, "sold_out", "not enough units left");
	if (outcome.code === "unknown_sku") return failure(404, "unknown_sku", "no such SKU");
	return failure(503, "unavailable", "the engine is overloaded; try again");
}

async function setup(engine: PeerEngine, req: IncomingMessage): Promise<Reply> {
	const body = await readJson(req);
	if (!body.ok) return body.reply;
	const { sku, stock } = body.value;
	if (typeof sku !== "string" || !SKU_PATTERN.test(sku)) {
		return failure(400, "invalid_request", "sku must be 1-64 of [A-Za-z0-9._-]");
	}
	if (!Number.isInteger(stock) || (stock as number) < 0 || (stock as number) > MAX_STOCK) {
		return failure(400, "invalid_request", `stock must be an integer 0..${MAX_STOCK}`);
	}
	await engine.setup(sku, stock as number);
	return success(201, { sku, stock });
}

function reservationOf(hold: Hold): Record<string, unknown> {
	return {
		reservationId: hold.reservationId,
		sku: hold.sku,
		quantity: hold.quantity,
		status: "RESERVED",
		createdAt: new Date(hold.createdAtMs).toISOString(),
		expiresAt: new Date(hold.expiresAtMs).toISOString(),
		expiresInSeconds: HOLD_SECONDS,
	};
}

// ---- body and envelope -----------------------------------------------------------------------

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply };

async function readJson(req: IncomingMessage): Promise<Parsed> {
	if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
		return { ok: false, reply: failure(415, "unsupported_media_type", "send application/json") };
	}
	if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
		req.resume();
		return {
			ok: false,
			reply: failure(413, "payload_too_large", `body over ${MAX_BODY_BYTES} bytes`),
		};
	}
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		// Chunked bodies carry no Content-Length: count as they arrive.
		if (size > MAX_BODY_BYTES) {
			req.resume();
			return {
				ok: false,
				reply: failure(413, "payload_too_large", `body over ${MAX_BODY_BYTES} bytes`),
			};
		}
		chunks.push(chunk);
	}
	try {
		const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
		if (typeof value === "object" && value !== null && !Array.isArray(value)) {
			return { ok: true, value: value as Record<string, unknown> };
		}
	} catch {
		// Fall through to the 400 below.
	}
	return { ok: false, reply: failure(400, "invalid_request", "body must be a JSON object") };
}

function success(status: number, data: Record<string, unknown>): Reply {
	return { status, body: { data } };
}

function failure(status: number, code: string, message: string): Reply {
	return { status, body: { error: { code, message } } };
}

function send(res: ServerResponse, reply: Reply, startedMs: number): void {
	const meta = {
		requestId: randomUUID(),
		latencyMs: Math.round((performance.now() - startedMs) * 100) / 100,
	};
	const payload = JSON.stringify({ ...reply.body, meta });
	const headers: Record<string, string | number> = {
		"content-type": "application/json; charset=utf-8",
		"content-length": Buffer.byteLength(payload),
	};
	if (reply.status === 503) headers["retry-after"] = 1;
	res.writeHead(reply.status, headers).end(payload);
}

// ---- running a peer as its own process -------------------------------------------------------

/**
 * Entry point of a peer file run directly (`node cli/peers/redis-lua.ts`): the bench runs each
 * peer in its own process, as our worker runs in workerd's, so the load generator never shares
 * an event loop with the server it measures. Prints one JSON line `{"peer","url"}` when ready.
 */
export async function servePeerFromEnv(
	name: string,
	createEngine: () => Promise<PeerEngine>,
): Promise<void> {
	const engine = await createEngine();
	const server = await startPeerServer(engine, { port: Number(process.env.PEER_PORT ?? 0) });
	process.stdout.write(`${JSON.stringify({ peer: name, url: server.url })}\n`);
	const shutdown = async () => {
		await server.close();
		await engine.close();
		process.exit(0);
	};
	process.once("SIGTERM", shutdown);
	process.once("SIGINT", shutdown);
}

export function requiredEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set`);
	return value;
}
