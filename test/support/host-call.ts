// One HTTP request to a loopback server with a `Host` header of the test's choosing (fetch sets
// its own), as a DNS-rebinding page's browser would send it: for the local host checks
// (src/worker/middleware/local-host.ts) under `npm start` and `npm run dev`.
import { request } from "node:http";

export type HostAnswer = {
	status: number;
	body: { data?: unknown; error?: { code: string; message: string } };
};

export type HostCallOptions = { token?: string; body?: unknown; headers?: Record<string, string> };

export function callWithHost(
	port: number,
	host: string,
	method: string,
	path: string,
	options: HostCallOptions = {},
): Promise<HostAnswer> {
	const headers: Record<string, string> = { host, ...options.headers };
	if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
	const body = options.body === undefined ? undefined : JSON.stringify(options.body);
	if (body !== undefined) headers["content-type"] = "application/json";
	return new Promise((resolve, reject) => {
		const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
			let text = "";
			res.setEncoding("utf8");
			res.on("data", (chunk: string) => {
				text += chunk;
			});
			res.on("end", () => {
				let parsed: HostAnswer["body"] = {};
				try {
					parsed = text ? JSON.parse(text) : {};
				} catch {
					// Not the app's JSON (another server on the port): the status says enough.
				}
				resolve({ status: res.statusCode ?? 0, body: parsed });
			});
			res.on("error", reject);
		});
		req.on("error", reject);
		req.end(body);
	});
}
