// `npm run dev`'s loopback front (docs/decisions/176-npm-run-devs-loopback-front.md): the socket on
// PORT is this small Node proxy, and wrangler dev listens behind it on a private loopback port.
// wrangler's proxy rewrites `Host` from a client's `MF-Original-URL` header before the Worker sees
// it, and a DNS-rebinding page (same-origin once its name resolves to 127.0.0.1) may send that
// header without a preflight; its GETs carry no `Origin`, so the Worker's own check could not
// refuse them. Here the raw `Host` and `Origin` are judged before wrangler, with the rule `npm
// start`'s Worker applies (src/shared/local-host.ts), and a refusal is the same 403 `forbidden`
// envelope. Everything else passes through as it came: bodies streamed both ways, WebSocket
// upgrades (the live feed) spliced socket to socket. Each forwarded request and upgrade carries
// this start's secret (src/shared/dev-front-secret.ts), without which the Worker refuses it, so
// wrangler's own port answers nothing that did not come through here (decision 182). wrangler's hot reload happens behind its own
// port, which stays the same, so nothing here restarts with it.

import {
	Agent,
	createServer,
	type IncomingMessage,
	request,
	type Server,
	type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { API_SECURITY_HEADERS } from "../src/shared/api-security-headers.ts";
import { DEV_FRONT_HEADER } from "../src/shared/dev-front-secret.ts";
import { localRequestProblem } from "../src/shared/local-host.ts";
import { requestIdOf } from "../src/worker/request-id.ts";

export type DevFrontOptions = {
	/** Where the front listens: `npm run dev`'s HOST and PORT. */
	host: string;
	port: number;
	/** wrangler dev's own port on 127.0.0.1. */
	upstreamPort: number;
	/** The configuration's LOCAL_HOSTS; null outside ENVIRONMENT=local, where nothing is judged. */
	localHosts: readonly string[] | null;
	/** This start's DEV_FRONT_SECRET, sent with every request and upgrade forwarded (decision 182). */
	secret: string;
	/** How long a kept-alive upstream socket may sit free; UPSTREAM_IDLE_MS unless a test says. */
	upstreamIdleMs?: number;
};

const UPSTREAM_HOST = "127.0.0.1";
/** A refused upgrade's answer is read whole before it is written back: a few hundred bytes. */
const MAX_UPGRADE_ANSWER_BYTES = 64 * 1024;
/**
 * A free kept-alive socket to wrangler is closed by the front after this long. wrangler's workerd
 * closes an idle connection after about 15 s and sends no `Keep-Alive: timeout` hint, so a socket
 * kept longer could be taken for a request just as workerd closes it: a reset, answered as a
 * spurious 503 (docs/decisions/185-review-34s-findings.md). Well short of 15 s, whatever the load.
 */
const UPSTREAM_IDLE_MS = 4_000;
/** While wrangler dev starts or is gone: retry in a second. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * Headers of one connection, not of the request (RFC 9110 §7.6.1): the front keeps its own
 * connections to each side. Content-Length and Transfer-Encoding stay: they frame the body Node
 * writes on. `expect` is answered by this server already (Node sends the 100 Continue).
 */
const HOP_BY_HOP = new Set([
	"connection",
	"keep-alive",
	"proxy-connection",
	"te",
	"trailer",
	"upgrade",
	"expect",
]);

/** A client's own copy of the front's header is never passed on: the front sends its own. */
const REQUEST_DROPPED = new Set([...HOP_BY_HOP, DEV_FRONT_HEADER]);

/** An upgrade keeps Upgrade and Connection (they ask wrangler for the WebSocket). */
const UPGRADE_REQUEST_DROPPED = new Set([DEV_FRONT_HEADER]);

/** An answer's body is framed again by this server (chunked when it has no Content-Length). */
const ANSWER_DROPPED = new Set([...HOP_BY_HOP, "transfer-encoding"]);

/** A refused upgrade's answer is written back whole, with a length of its own. */
const UPGRADE_ANSWER_DROPPED = new Set([...ANSWER_DROPPED, "content-length"]);

/** Raw headers (`[name, value, …]`) without those named in `drop`. */
function rawHeadersWithout(raw: readonly string[], drop: ReadonlySet<string>): string[] {
	const kept: string[] = [];
	for (let i = 0; i + 1 < raw.length; i += 2) {
		const name = raw[i] as string;
		if (!drop.has(name.toLowerCase())) kept.push(name, raw[i + 1] as string);
	}
	return kept;
}

/** An answer's head in HTTP/1.1 text, for a socket taken over by an upgrade. */
function headText(status: number, message: string, raw: readonly string[]): string {
	let text = `HTTP/1.1 ${status} ${message}\r\n`;
	for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
	return `${text}\r\n`;
}

type Refusal = { status: number; message: string; headers: Record<string, string>; body: string };

/** The Worker's error envelope (src/worker/http.ts `fail`): the request refused before a route. */
function refusal(
	req: IncomingMessage,
	code: "forbidden" | "unavailable",
	message: string,
): Refusal {
	const cfRay = req.headers["cf-ray"];
	const meta = {
		requestId: requestIdOf(typeof cfRay === "string" ? cfRay : undefined),
		latencyMs: 0,
	};
	const body = JSON.stringify({ error: { code, message }, meta });
	const headers: Record<string, string> = {
		"Content-Type": "application/json",
		...API_SECURITY_HEADERS,
		"Content-Length": String(Buffer.byteLength(body)),
	};
	if (code === "unavailable") headers["Retry-After"] = String(UNAVAILABLE_RETRY_AFTER_SECONDS);
	const status = code === "forbidden" ? 403 : 503;
	return {
		status,
		message: code === "forbidden" ? "Forbidden" : "Service Unavailable",
		headers,
		body,
	};
}

function unavailable(req: IncomingMessage): Refusal {
	return refusal(
		req,
		"unavailable",
		"The development server (wrangler dev) is not answering: it is starting or restarting; retry shortly.",
	);
}

/** Writes a refusal on a socket an upgrade asked for, and closes it. */
function refuseSocket(socket: Duplex, answer: Refusal): void {
	const raw = Object.entries({ ...answer.headers, Connection: "close" }).flat();
	socket.end(headText(answer.status, answer.message, raw) + answer.body);
}

export function startDevFront(options: DevFrontOptions): Promise<Server> {
	// The agent destroys a free socket on its timeout; on a socket in use the timeout only emits
	// an event nothing here listens to, so a slow answer is never cut by it.
	const agent = new Agent({
		keepAlive: true,
		timeout: options.upstreamIdleMs ?? UPSTREAM_IDLE_MS,
	});
	const target = { host: UPSTREAM_HOST, port: options.upstreamPort };
	const secretHeader = [DEV_FRONT_HEADER, options.secret];

	const problemOf = (req: IncomingMessage): string | null => {
		if (options.localHosts === null) return null;
		return localRequestProblem(req.headers.host, req.headers.origin, options.localHosts);
	};

	const forward = (req: IncomingMessage, res: ServerResponse): void => {
		const upstream = request({
			...target,
			agent,
			method: req.method,
			path: req.url,
			headers: [...rawHeadersWithout(req.rawHeaders, REQUEST_DROPPED), ...secretHeader],
		});
		upstream.on("response", (answer) => {
			res.writeHead(
				answer.statusCode ?? 502,
				answer.statusMessage,
				rawHeadersWithout(answer.rawHeaders, ANSWER_DROPPED),
			);
			answer.pipe(res);
			answer.on("error", () => res.destroy());
		});
		upstream.on("error", () => {
			if (res.headersSent) {
				res.destroy();
				return;
			}
			const answer = unavailable(req);
			res.writeHead(answer.status, answer.headers).end(answer.body);
		});
		// A client that leaves early ends the upstream request too.
		res.on("close", () => {
			if (!res.writableFinished) upstream.destroy();
		});
		req.pipe(upstream);
	};

	// Only a WebSocket upgrade is spliced. Node hands every request carrying `Upgrade` to the
	// upgrade listener by default, `Upgrade: h2c` too (curl --http2 sends it on plain http): such a
	// request went on without its body and its answer was cut at 64 KiB. Here it is an ordinary
	// request, and `forward` drops `Upgrade` as a hop-by-hop header.
	const shouldUpgradeCallback = (req: IncomingMessage): boolean =>
		/^websocket$/i.test(req.headers.upgrade?.trim() ?? "");

	const server = createServer({ shouldUpgradeCallback }, (req, res) => {
		const problem = problemOf(req);
		if (problem === null) return forward(req, res);
		const answer = refusal(req, "forbidden", problem);
		// The body is not read: close the connection rather than drain what the client sends.
		res.shouldKeepAlive = false;
		res.writeHead(answer.status, answer.headers).end(answer.body);
	});

	server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on("error", () => socket.destroy());
		const problem = problemOf(req);
		if (problem !== null) return refuseSocket(socket, refusal(req, "forbidden", problem));
		// Upgrade and Connection pass on here: they are what asks wrangler for the WebSocket.
		const upstream = request({
			...target,
			method: req.method,
			path: req.url,
			headers: [...rawHeadersWithout(req.rawHeaders, UPGRADE_REQUEST_DROPPED), ...secretHeader],
		});
		// A client that leaves before wrangler's 101 ends the upstream request too: else wrangler
		// keeps a live-feed socket nobody reads, holding one of the address's places
		// (docs/decisions/186-review-36s-findings.md §2).
		// Its end is enough: the server's sockets are half-open, so a client's FIN alone closes nothing.
		const abandoned = () => upstream.destroy();
		socket.once("end", abandoned);
		socket.once("close", abandoned);
		upstream.on("upgrade", (answer, upstreamSocket, upstreamHead) => {
			socket.off("end", abandoned);
			socket.off("close", abandoned);
			upstreamSocket.on("error", () => socket.destroy());
			if (socket.destroyed) return upstreamSocket.destroy();
			socket.on("close", () => upstreamSocket.destroy());
			upstreamSocket.on("close", () => socket.destroy());
			socket.write(
				headText(answer.statusCode ?? 101, answer.statusMessage ?? "", answer.rawHeaders),
			);
			if (upstreamHead.length > 0) socket.write(upstreamHead);
			if (head.length > 0) upstreamSocket.write(head);
			upstreamSocket.pipe(socket).pipe(upstreamSocket);
		});
		// Refused by the Worker (no 101): its answer, read whole, goes back as it came.
		upstream.on("response", (answer) => {
			const chunks: Buffer[] = [];
			let bytes = 0;
			answer.on("data", (chunk: Buffer) => {
				bytes += chunk.length;
				if (bytes > MAX_UPGRADE_ANSWER_BYTES) {
					// Never a cut answer that looks whole: the client sees its connection end.
					answer.destroy();
					socket.destroy();
					return;
				}
				chunks.push(chunk);
			});
			answer.on("error", () => socket.destroy());
			answer.on("end", () => {
				const body = Buffer.concat(chunks);
				const raw = rawHeadersWithout(answer.rawHeaders, UPGRADE_ANSWER_DROPPED);
				raw.push("Content-Length", String(body.length), "Connection", "close");
				socket.write(headText(answer.statusCode ?? 502, answer.statusMessage ?? "", raw));
				socket.end(body);
			});
		});
		upstream.on("error", () => refuseSocket(socket, unavailable(req)));
		upstream.end();
	});

	server.on("close", () => agent.destroy());
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, options.host, () => {
			server.off("error", reject);
			resolve(server);
		});
	});
}
