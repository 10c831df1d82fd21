// How a request reaches "the API": over HTTP to the Worker (live) or to the
// in-browser simulation (mock). Both answer with the same status, headers and
// JSON body, so every screen above this line is the same code in both modes.

export interface WireRequest {
	method: "GET" | "POST" | "PATCH" | "DELETE";
	path: string;
	headers: Record<string, string>;
	body?: unknown;
}

export interface WireResponse {
	status: number;
	headers: Headers;
	/** The parsed JSON body, or null when there was none or it was not JSON. */
	body: unknown;
}

export interface Transport {
	readonly kind: "live" | "mock";
	send(request: WireRequest): Promise<WireResponse>;
}

/** Requests that never answer must not freeze a screen. */
const REQUEST_TIMEOUT_MS = 15_000;

export function httpTransport(base = ""): Transport {
	return {
		kind: "live",
		async send(request) {
			const headers: Record<string, string> = { ...request.headers };
			let body: string | undefined;
			if (request.body !== undefined) {
				body = JSON.stringify(request.body);
				headers["content-type"] = "application/json";
			}
			const res = await fetch(`${base}${request.path}`, {
				method: request.method,
				headers,
				body,
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
			const text = await res.text();
			let parsed: unknown = null;
			try {
				parsed = text === "" ? null : JSON.parse(text);
			} catch {
				parsed = null;
			}
			return { status: res.status, headers: res.headers, body: parsed };
		},
	};
}
