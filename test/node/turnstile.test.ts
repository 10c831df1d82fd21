// Turnstile at the door (docs/api.md, "Sessions"), against a local stub speaking
// siteverify's JSON — the one part that cannot be reached from a test. The
// product runs for real (`npm start`) with TURNSTILE_VERIFY_URL pointing here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";

const SECRET = "stub-secret-key";

interface Seen {
	secret: string;
	response: string;
}

/** siteverify: form body in, {"success", "error-codes"} out. The token picks the behaviour. */
class SiteverifyStub {
	readonly seen: Seen[] = [];
	/** The `remoteip` of each request, in order (null when none was sent). */
	readonly remoteIps: (string | null)[] = [];
	private server: Server | null = null;
	url = "";

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			void this.handle(req, res);
		});
		await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/siteverify`;
	}

	/** Closes the port: from now on the verify URL is unreachable. */
	async stop(): Promise<void> {
		const server = this.server;
		if (server === null) return;
		this.server = null;
		server.closeAllConnections();
		await new Promise<void>((r) => server.close(() => r()));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const form = await new Request("http://stub/", {
			method: "POST",
			headers: { "content-type": req.headers["content-type"] ?? "" },
			body: Buffer.concat(chunks),
		})
			.formData()
			.catch(() => null);
		const seen = {
			secret: String(form?.get("secret") ?? ""),
			response: String(form?.get("response") ?? ""),
		};
		this.seen.push(seen);
		const remoteip = form?.get("remoteip");
		this.remoteIps.push(typeof remoteip === "string" ? remoteip : null);
		const reply = (status: number, body: string) => {
			res.writeHead(status, { "content-type": "application/json" });
			res.end(body);
		};
		if (seen.response === "reset") return void req.socket.destroy();
		if (seen.response === "hang") return; // never answers: the Worker's timeout decides
		if (seen.response === "http-500") return reply(500, "{}");
		if (seen.response === "not-json") return reply(200, "<html>");
		if (seen.response === "empty") return reply(200, "");
		if (seen.response === "stall-body") {
			// The headers, then a body that never ends: the Worker's timeout decides.
			res.writeHead(200, { "content-type": "application/json" });
			return void res.write('{"success":');
		}
		const code = /^code-(.+)$/.exec(seen.response)?.[1];
		if (code !== undefined)
			return reply(200, JSON.stringify({ success: false, "error-codes": [code] }));
		if (seen.response === "huge-code")
			return reply(
				200,
				JSON.stringify({ success: false, "error-codes": ["z".repeat(20_000), "x", "y", "w"] }),
			);
		if (seen.secret !== SECRET)
			return reply(200, '{"success":false,"error-codes":["invalid-input-secret"]}');
		// Passed, but solved on a page of another site (a site key may list several hosts).
		if (seen.response.startsWith("foreign"))
			return reply(
				200,
				JSON.stringify({ success: true, "error-codes": [], hostname: "evil.example" }),
			);
		if (seen.response.startsWith("pass")) {
			return reply(
				200,
				JSON.stringify({ success: true, "error-codes": [], hostname: "localhost" }),
			);
		}
		reply(200, '{"success":false,"error-codes":["invalid-input-response"]}');
	}
}

describe("POST /api/sessions with Turnstile", () => {
	const stub = new SiteverifyStub();
	let server: TestServer;
	beforeAll(async () => {
		await stub.start();
		server = await startServer({
			env: { TURNSTILE_VERIFY_URL: stub.url, TURNSTILE_SECRET_KEY: SECRET },
		});
	});
	afterAll(async () => {
		await server?.dispose();
		await stub.stop();
	});

	const session = (turnstileToken: string) =>
		api<{ sessionId: string; token: string; expiresAt: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken },
		});

	it("creates a session when siteverify accepts the token, sending it with the secret key", async () => {
		const res = await session("pass-abc");
		expect(res.status).toBe(201);
		expect(res.body.data?.sessionId).toMatch(/^ses_/);
		expect(stub.seen.at(-1)).toEqual({ secret: SECRET, response: "pass-abc" });
		// The token works.
		const list = await api(server, "GET", "/api/reservations/rsv_x~DEMO-SNEAKER", {
			token: res.body.data?.token,
		});
		expect(list.status).toBe(404);
	});

	it("answers 403 turnstile_failed when siteverify refuses the token itself", async () => {
		for (const token of [
			"fail-abc",
			"code-invalid-input-response",
			"code-timeout-or-duplicate",
			"code-missing-input-response",
		]) {
			const res = await session(token);
			expect(res.status, token).toBe(403);
			expect(res.body.error?.code).toBe("turnstile_failed");
			expect(res.body.data).toBeUndefined();
		}
	});

	it("renews a session only through the same check: a refused token renews nothing", async () => {
		const first = await session("pass-renew");
		const token = first.body.data?.token as string;
		const renew = (turnstileToken: string) =>
			api<{ sessionId: string; token: string; renewed?: boolean }>(
				server,
				"POST",
				"/api/sessions",
				{
					body: { turnstileToken, renewToken: token },
				},
			);
		const refused = await renew("fail-renew");
		expect(refused.status).toBe(403);
		expect(refused.body.data).toBeUndefined();
		const renewed = await renew("pass-renew-2");
		expect(renewed.status).toBe(201);
		expect(renewed.body.data).toMatchObject({
			sessionId: first.body.data?.sessionId,
			renewed: true,
		});
		expect(stub.seen.at(-1)).toEqual({ secret: SECRET, response: "pass-renew-2" });
	});

	it("names at most a few short codes in the 403, whatever siteverify lists", async () => {
		const res = await session("huge-code");
		expect(res.status).toBe(403);
		expect(res.body.error?.message.length).toBeLessThan(200);
		expect(res.body.error?.message).toMatch(/ and 1 more\)\.$/);
	});

	it("answers 503 unavailable, never blaming the buyer, when siteverify verified nothing", async () => {
		// Unreadable answers, a body that stalls, Cloudflare's own failure, our secret refused.
		for (const token of [
			"not-json",
			"empty",
			"stall-body",
			"code-internal-error",
			"code-invalid-input-secret",
			"code-missing-input-secret",
		]) {
			const res = await session(token);
			expect(res.status, token).toBe(503);
			expect(res.body.error?.code, token).toBe("unavailable");
			expect(res.headers.get("retry-after"), token).toMatch(/^\d+$/);
		}
		// A misconfigured secret is the operator's to fix: the server's log names the variable
		// (the runtime's log reaches the server's output a moment after the answer).
		await expect
			.poll(() => server.output(), { timeout: 10_000, interval: 100 })
			.toMatch(/siteverify refused .*TURNSTILE_SECRET_KEY/);
	});

	it("accepts DEBUG_TOKEN without asking siteverify", async () => {
		const asked = stub.seen.length;
		const res = await session(server.debugToken);
		expect(res.status).toBe(201);
		expect(stub.seen.length).toBe(asked);
	});

	it("answers 503 unavailable with Retry-After when siteverify errs, drops the connection or hangs", async () => {
		for (const token of ["http-500", "reset", "hang"]) {
			const res = await session(token);
			expect(res.status, token).toBe(503);
			expect(res.body.error?.code).toBe("unavailable");
			expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
		}
	});

	it("sends the client's address as remoteip, and refuses a token solved on another site, naming it", async () => {
		const from = await api(server, "POST", "/api/sessions", {
			body: { turnstileToken: "pass-remoteip" },
			headers: { "cf-connecting-ip": "203.0.113.9" },
		});
		expect(from.status).toBe(201);
		expect(stub.remoteIps.at(-1)).toBe("203.0.113.9");
		const foreign = await session("foreign-abc");
		expect(foreign.status).toBe(403);
		expect(foreign.body.error?.code).toBe("turnstile_failed");
		expect(foreign.body.error?.message).toContain("solved on another site, evil.example");
		expect(foreign.body.data).toBeUndefined();
	});

	it("answers 503 unavailable, not a 500, when the verify URL cannot be reached at all", async () => {
		await stub.stop();
		const res = await session("pass-after-close");
		expect(res.status).toBe(503);
		expect(res.body.error?.code).toBe("unavailable");
		// DEBUG_TOKEN still works: local runs do not depend on siteverify.
		expect((await session(server.debugToken)).status).toBe(201);
	});
});
