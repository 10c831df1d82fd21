// The paced (open-loop) mode of the bench's load generator (cli/lib/load.ts): it sends exactly
// the run's count, each request built by the factories once, and records every answer. How
// evenly it spreads them in time is shown by the bench itself, never asserted here.
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { runLoad } from "../../cli/lib/load.ts";

let server: Server | null = null;

afterEach(async () => {
	await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
	server = null;
});

/** A server that answers 201 to `/ok` and 409 to anything else, keeping what it was sent. */
async function recordingServer(): Promise<{ url: string; seen: { i: string; body: string }[] }> {
	const seen: { i: string; body: string }[] = [];
	server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk: Buffer) => {
			body += chunk.toString();
		});
		req.on("end", () => {
			seen.push({ i: String(req.headers["x-i"]), body });
			res.statusCode = req.url === "/ok" ? 201 : 409;
			res.end("{}");
		});
	});
	await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("no port");
	return { url: `http://127.0.0.1:${address.port}`, seen };
}

describe("paced load (overallRate)", () => {
	it("sends rate × duration requests, each with its own headers and body, and counts every answer", async () => {
		const { url, seen } = await recordingServer();
		const result = await runLoad({
			url: `${url}/ok`,
			method: "POST",
			connections: 4,
			overallRate: 40,
			durationSec: 0.5,
			headersFactory: (i) => ({ "x-i": String(i) }),
			bodyFactory: (i) => JSON.stringify({ i }),
		});
		expect(result.total).toBe(20);
		expect(result.statusCounts).toEqual({ 201: 20 });
		expect(result.errors).toBe(0);
		const indexes = seen.map((s) => Number(s.i)).sort((a, b) => a - b);
		expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => i));
		for (const s of seen) expect(JSON.parse(s.body)).toEqual({ i: Number(s.i) });
	});

	it("with `amount`, sends exactly that many and records their statuses", async () => {
		const { url, seen } = await recordingServer();
		const result = await runLoad({
			url: `${url}/gone`,
			connections: 8,
			overallRate: 100,
			amount: 7,
		});
		expect(result.total).toBe(7);
		expect(result.statusCounts).toEqual({ 409: 7 });
		expect(seen).toHaveLength(7);
	});

	it("counts a refused connection as an error, not an answer", async () => {
		const { url } = await recordingServer();
		await new Promise<void>((resolve) => server?.close(() => resolve()));
		server = null;
		const result = await runLoad({ url, connections: 2, overallRate: 50, amount: 3 });
		expect(result.total).toBe(0);
		expect(result.errors).toBe(3);
	});
});
