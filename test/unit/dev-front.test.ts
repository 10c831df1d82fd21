// `npm run dev`'s loopback front (scripts/dev-front.ts) against a small `node:http` upstream in
// place of wrangler dev: what passes through it whole, and the upstream sockets it keeps.
// docs/decisions/185-review-34s-findings.md.
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startDevFront } from "../../scripts/dev-front.ts";
import { randomHexToken } from "../support/random.ts";

/** More than the 64 KiB a refused upgrade's answer may be: a cut answer would show. */
const LARGE_BODY_BYTES = 100 * 1024;

const servers: Server[] = [];

afterEach(async () => {
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		server.close();
	}
});

function portOf(server: Server): number {
	return (server.address() as AddressInfo).port;
}

/** Answers a GET with LARGE_BODY_BYTES and anything else with the length of the body it read. */
async function startUpstream(keepAliveTimeout = 60_000): Promise<{
	server: Server;
	sockets: Socket[];
}> {
	const sockets: Socket[] = [];
	const server = createServer((req, res) => {
		if (req.method === "GET") return res.end(Buffer.alloc(LARGE_BODY_BYTES, 97));
		let bytes = 0;
		req.on("data", (chunk: Buffer) => {
			bytes += chunk.length;
		});
		req.on("end", () => res.end(`read ${bytes}`));
	});
	// A WebSocket upgrade: 101, then the socket echoes what it reads.
	server.on("upgrade", (_req, socket: Socket) => {
		socket.write(
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		);
		socket.pipe(socket);
	});
	// Long unless a test says otherwise: an upstream socket that closes is the front's doing.
	server.keepAliveTimeout = keepAliveTimeout;
	server.on("connection", (socket: Socket) => sockets.push(socket));
	servers.push(server);
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	return { server, sockets };
}

async function startFront(upstreamPort: number, upstreamIdleMs?: number): Promise<number> {
	const front = await startDevFront({
		host: "127.0.0.1",
		port: 0,
		upstreamPort,
		localHosts: null,
		secret: randomHexToken(),
		...(upstreamIdleMs === undefined ? {} : { upstreamIdleMs }),
	});
	servers.push(front);
	return portOf(front);
}

/** One request on its own connection; the answer's status and whole body. */
function send(
	port: number,
	method: string,
	headers: Record<string, string>,
	body?: string,
): Promise<{ status: number; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const req = request({ host: "127.0.0.1", port, method, path: "/", headers, agent: false });
		req.on("response", (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (chunk: Buffer) => chunks.push(chunk));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
			res.on("error", reject);
		});
		req.on("upgrade", () => reject(new Error("the front answered an h2c request with 101")));
		req.on("error", reject);
		req.end(body);
	});
}

describe("npm run dev's front", () => {
	const h2c = { Connection: "Upgrade, HTTP2-Settings", Upgrade: "h2c", "HTTP2-Settings": "" };

	it("forwards a GET asking for h2c as a request: its whole answer, past 64 KiB", async () => {
		const { server } = await startUpstream();
		const front = await startFront(portOf(server));
		const answer = await send(front, "GET", h2c);
		expect(answer.status).toBe(200);
		expect(answer.body.length).toBe(LARGE_BODY_BYTES);
	});

	it("forwards a POST asking for h2c with its body, and answers it", async () => {
		const { server } = await startUpstream();
		const front = await startFront(portOf(server));
		const body = JSON.stringify({ sku: crypto.randomUUID(), name: "h2c" });
		const answer = await send(front, "POST", { ...h2c, "Content-Type": "application/json" }, body);
		expect(answer.status).toBe(200);
		expect(answer.body.toString()).toBe(`read ${Buffer.byteLength(body)}`);
	});

	it("still splices a WebSocket upgrade, bytes both ways", async () => {
		const { server } = await startUpstream();
		const front = await startFront(portOf(server));
		const req = request({
			host: "127.0.0.1",
			port: front,
			path: "/api/live",
			headers: { Connection: "Upgrade", Upgrade: "websocket" },
			agent: false,
		});
		req.end();
		const [answer, socket] = (await once(req, "upgrade")) as [{ statusCode: number }, Socket];
		expect(answer.statusCode).toBe(101);
		const word = crypto.randomUUID();
		socket.write(word);
		const [echoed] = (await once(socket, "data")) as [Buffer];
		expect(echoed.toString()).toBe(word);
		socket.destroy();
	});

	it("ends the upstream WebSocket request when its client leaves before the 101", async () => {
		// docs/decisions/186-review-36s-findings.md §2. Before: the upstream's socket stayed open
		// (under wrangler, a live-feed socket nobody reads, holding one of the address's places).
		const asked: Socket[] = [];
		const server = createServer();
		// The upstream takes the upgrade and does not answer it yet: wrangler being slow.
		server.on("upgrade", (_req, socket: Socket) => asked.push(socket));
		servers.push(server);
		server.listen(0, "127.0.0.1");
		await once(server, "listening");
		const front = await startFront(portOf(server));
		const client = connect(front, "127.0.0.1");
		await once(client, "connect");
		client.write(
			"GET /api/live HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		);
		while (asked.length === 0) await new Promise((r) => setTimeout(r, 10));
		client.destroy();
		// The front ends its side: the upstream reads the end (its sockets are half-open).
		const upstreamSocket = asked[0] as Socket;
		upstreamSocket.resume();
		if (!upstreamSocket.readableEnded) await once(upstreamSocket, "end");
		expect(upstreamSocket.readableEnded).toBe(true);
	});

	it("closes a kept-alive upstream socket itself once idle, before the upstream would", async () => {
		// wrangler dev's workerd closes an idle connection after ~15 s, with no Keep-Alive hint: a
		// request the front sends on it as it closes met a reset and a spurious 503. The upstream
		// here never closes one (60 s), so the close awaited below can only be the front's.
		const { server, sockets } = await startUpstream();
		const front = await startFront(portOf(server), 100);
		expect((await send(front, "GET", {})).status).toBe(200);
		expect(sockets).toHaveLength(1);
		const upstreamSocket = sockets[0] as Socket;
		if (!upstreamSocket.closed) await once(upstreamSocket, "close");
		expect((await send(front, "GET", {})).status).toBe(200);
		expect(sockets).toHaveLength(2);
	});
});
