// The load clients' kept-alive sockets (cli/drop/http.ts) against a server that closes
// idle connections: the soak's rare "socket hang up" was a request put on a socket
// workerd closed at that moment (docs/decisions/052-kept-alive-sockets.md). The race
// is made certain by blocking the client's event loop across the server's close, as a
// loaded machine does for a moment: the socket is still in the agent's pool when the
// next request takes it, the server's close not yet read.

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	IDLE_SOCKET_MS,
	JsonClient,
	MAX_STALE_SOCKET_RESENDS,
	SERVER_IDLE_CLOSE_MS,
} from "../../cli/drop/http.ts";
import {
	type MiniflareRuntime,
	readWranglerConfig,
	startMiniflareWorker,
} from "../../scripts/runtime.ts";
import { onCleanup, waitUntil } from "../support/proc.ts";

/**
 * The small server below closes a connection idle this long (workerd: SERVER_IDLE_CLOSE_MS).
 * Long enough that a loaded machine's stall between two steps of a test does not close a
 * socket the test did not mean to lose (at 50 ms, two suites side by side closed a fresh
 * connection before its first request, and a warm one before the next).
 */
const TEST_SERVER_IDLE_CLOSE_MS = 1_000;
/** How long the client's event loop is held: well past the small server's close. */
const LATE_LOOP_MS = 1_500;
/** `/slow` answers after this: longer than a socket may sit idle in the client. */
const SLOW_ANSWER_MS = IDLE_SOCKET_MS + 500;

/** Holds this thread without spending CPU, as a busy machine holds a client's event loop. */
function blockEventLoop(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Seen {
	method: string;
	path: string;
	key: string | null;
}

/**
 * HTTP/1.1 on a plain socket, so nothing announces its idle close (Node's own server sends
 * `Keep-Alive: timeout=`, which the agent would obey); like workerd, it closes a connection
 * idle TEST_SERVER_IDLE_CLOSE_MS. `/half` starts an answer and drops the connection; `/drop`
 * drops it without one.
 */
async function startClosingServer(): Promise<{ url: string; seen: Seen[]; close(): void }> {
	const seen: Seen[] = [];
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
		socket.on("error", () => {});
		let idle: NodeJS.Timeout | undefined;
		const closeWhenIdle = () => {
			clearTimeout(idle);
			idle = setTimeout(() => socket.destroy(), TEST_SERVER_IDLE_CLOSE_MS);
		};
		let buffer = "";
		socket.on("data", (chunk: Buffer) => {
			clearTimeout(idle);
			buffer += chunk.toString("latin1");
			for (;;) {
				const end = buffer.indexOf("\r\n\r\n");
				if (end < 0) return;
				const head = buffer.slice(0, end).split("\r\n");
				const length = Number(/^content-length:\s*(\d+)$/im.exec(buffer.slice(0, end))?.[1] ?? 0);
				if (buffer.length < end + 4 + length) return;
				buffer = buffer.slice(end + 4 + length);
				const [method = "", path = ""] = (head[0] ?? "").split(" ");
				const keyLine = head.find((line) => /^idempotency-key:/i.test(line));
				seen.push({ method, path, key: keyLine?.split(":")[1]?.trim() ?? null });
				if (path === "/drop") return void socket.destroy();
				if (path === "/half") {
					socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
					return void socket.destroy();
				}
				const body = JSON.stringify({ data: { served: seen.length } });
				const answer = () => {
					socket.write(
						`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
					);
					closeWhenIdle();
				};
				if (path === "/slow") setTimeout(answer, SLOW_ANSWER_MS);
				else answer();
			}
		});
		closeWhenIdle();
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${address.port}`,
		seen,
		close: () => {
			for (const socket of sockets) socket.destroy();
			server.close();
		},
	};
}

let server: Awaited<ReturnType<typeof startClosingServer>>;
const clients: JsonClient[] = [];
/** A client of its own for each test, on the shared small server; paths name the test. */
const client = () => {
	const c = new JsonClient(server.url, 4);
	clients.push(c);
	return c;
};

beforeAll(async () => {
	server = await startClosingServer();
});
afterAll(() => {
	for (const c of clients) c.close();
	server.close();
});

describe("a request that meets a kept-alive socket the server closed", () => {
	it("is sent again with the same Idempotency-Key when it carries one, and counted", async () => {
		const c = client();
		expect((await c.request("GET", "/warm")).status).toBe(200);
		expect(c.idleSockets()).toBe(1);
		blockEventLoop(LATE_LOOP_MS);
		const answer = await c.request("POST", "/keyed", {
			headers: { "Idempotency-Key": "kept-alive-1" },
			body: { sku: "X" },
		});
		expect(answer.status, answer.problem ?? "").toBe(200);
		expect(c.staleResends).toBe(1);
		// The first try never reached the server: it read the request once, with its key.
		expect(server.seen.filter((s) => s.path === "/keyed")).toEqual([
			{ method: "POST", path: "/keyed", key: "kept-alive-1" },
		]);
	});

	it("is sent again when it is a read", async () => {
		const c = client();
		expect((await c.request("GET", "/warm")).status).toBe(200);
		expect(c.idleSockets()).toBe(1);
		blockEventLoop(LATE_LOOP_MS);
		const answer = await c.request("GET", "/read");
		expect(answer.status, answer.problem ?? "").toBe(200);
		expect(c.staleResends).toBe(1);
	});

	it("is not sent again when it is a write without a key: its answer is lost and says why", async () => {
		const c = client();
		expect((await c.request("GET", "/warm")).status).toBe(200);
		expect(c.idleSockets()).toBe(1);
		blockEventLoop(LATE_LOOP_MS);
		for (const method of ["POST", "DELETE"]) {
			const answer = await c.request(method, `/unkeyed-${method}`, { body: {} });
			expect(answer.status).toBe(0);
			expect(answer.problem).toMatch(
				/on a kept-alive socket after \d+ ms idle, before any answer \(not sent again/,
			);
			expect(server.seen.some((s) => s.path === `/unkeyed-${method}`)).toBe(false);
			// A kept-alive socket again for the next method, and the server's close of it.
			expect((await c.request("GET", "/warm")).status).toBe(200);
			blockEventLoop(LATE_LOOP_MS);
		}
		expect(c.staleResends).toBe(0);
	});

	it("is not sent again once any of the answer came back: the server read it", async () => {
		const c = client();
		expect((await c.request("GET", "/warm")).status).toBe(200);
		const answer = await c.request("POST", "/half", { headers: { "Idempotency-Key": "half-1" } });
		expect(answer.status).toBe(0);
		expect(c.staleResends).toBe(0);
		expect(server.seen.filter((s) => s.path === "/half")).toHaveLength(1);
	});

	it("is not sent again from a new socket: the server may have read it", async () => {
		const c = client();
		const answer = await c.request("POST", "/drop", { headers: { "Idempotency-Key": "drop-1" } });
		expect(answer.status).toBe(0);
		expect(c.staleResends).toBe(0);
		expect(server.seen.filter((s) => s.path === "/drop")).toHaveLength(1);
	});

	it("is sent again at most MAX_STALE_SOCKET_RESENDS times", async () => {
		const c = client();
		// As many sockets as the resends and one, all idle: every try takes one the server closed.
		const warm = MAX_STALE_SOCKET_RESENDS + 1;
		const first = await Promise.all(Array.from({ length: warm }, () => c.request("GET", "/warm")));
		expect(first.map((a) => a.status)).toEqual(Array(warm).fill(200));
		expect(c.idleSockets()).toBe(warm);
		blockEventLoop(LATE_LOOP_MS);
		const answer = await c.request("GET", "/many");
		// Either the closes were read between tries (a new socket answered) or every try met one.
		if (answer.status === 0) {
			expect(answer.problem).toContain(`sent ${MAX_STALE_SOCKET_RESENDS + 1} times`);
			expect(c.staleResends).toBe(MAX_STALE_SOCKET_RESENDS);
		} else {
			expect(answer.status).toBe(200);
			expect(c.staleResends).toBeLessThanOrEqual(MAX_STALE_SOCKET_RESENDS);
		}
	});
});

describe("the client's own idle close", () => {
	it("leaves a request waiting for a slow answer alone, on a kept-alive socket or a new one", async () => {
		const c = client();
		expect((await c.request("GET", "/warm")).status).toBe(200);
		const answers = await Promise.all([c.request("GET", "/slow"), c.request("GET", "/slow")]);
		expect(answers.map((a) => [a.status, a.problem])).toEqual([
			[200, null],
			[200, null],
		]);
		expect(c.staleResends).toBe(0);
	});
});

/** workerd's own socket, as `npm start` serves: a worker that counts requests and echoes the key. */
const ECHO_WORKER = `let served = 0;
export default { fetch(request) {
	served += 1;
	return Response.json({ data: { served, key: request.headers.get("idempotency-key") } });
} };`;

describe("workerd's idle close and the client's own", { timeout: 60_000 }, () => {
	let worker: MiniflareRuntime;
	let forget = () => {};

	beforeAll(async () => {
		const { compatibility_date } = readWranglerConfig();
		worker = await startMiniflareWorker({
			config: {
				name: "kept-alive",
				compatibilityDate: compatibility_date,
				manifest: {
					mainModule: "index.js",
					modules: { "index.js": { type: "esm", contents: ECHO_WORKER } },
				},
			},
			persistRoot: undefined,
			host: "127.0.0.1",
			port: 0,
		});
		forget = onCleanup(() => void worker.dispose());
	}, 60_000);
	afterAll(async () => {
		await worker?.dispose();
		forget();
	});

	it("keeps an idle connection open, unannounced, past the moment the client closes its own", async () => {
		const c = new JsonClient(worker.directUrl, 4);
		try {
			const { port, hostname } = new URL(worker.directUrl);
			const raw = net.connect(Number(port), hostname);
			let head = "";
			let serverClosed = false;
			raw.on("data", (chunk: Buffer) => {
				head += chunk.toString("latin1");
			});
			raw.on("end", () => {
				serverClosed = true;
			});
			raw.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
			expect((await c.request("GET", "/")).status).toBe(200);
			await waitUntil(
				"workerd's answer on the raw socket",
				async () => head.includes("\r\n\r\n"),
				10_000,
			);
			expect(head).toMatch(/^HTTP\/1\.1 200/);
			expect(head.toLowerCase()).not.toContain("keep-alive");
			expect(c.idleSockets()).toBe(1);
			await waitUntil(
				"the client's idle close",
				async () => c.idleSockets() === 0,
				SERVER_IDLE_CLOSE_MS,
			);
			// Idle since the same moment, workerd's connection is still open: the client closed first.
			expect(serverClosed).toBe(false);
			raw.destroy();
		} finally {
			c.close();
		}
		expect(IDLE_SOCKET_MS).toBeLessThan(SERVER_IDLE_CLOSE_MS / 2);
	});

	it("closes one idle past SERVER_IDLE_CLOSE_MS; a keyed request that meets it is sent again once", async () => {
		const c = new JsonClient(worker.directUrl, 4);
		try {
			const warm = await c.request<{ served: number }>("GET", "/");
			expect(warm.status).toBe(200);
			expect(c.idleSockets()).toBe(1);
			blockEventLoop(SERVER_IDLE_CLOSE_MS + 1_000);
			const answer = await c.request<{ served: number; key: string }>("POST", "/api/reservations", {
				headers: { "Idempotency-Key": "kept-alive-workerd-1" },
				body: { sku: "X" },
			});
			expect(answer.status, answer.problem ?? "").toBe(200);
			expect(c.staleResends).toBe(1);
			// The worker ran once for it, with the same key: the first try never reached it.
			expect(answer.data).toEqual({
				served: (warm.data?.served ?? 0) + 1,
				key: "kept-alive-workerd-1",
			});
		} finally {
			c.close();
		}
	});
});
