// Small fetch helpers for setting up benchmark state (untimed): JSON in, JSON out, bounded.

const SETUP_TIMEOUT_MS = 30_000;

export type Reply = { status: number; json: { data?: Record<string, unknown>; error?: unknown } };

export async function call(
	base: string,
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Reply> {
	const response = await fetch(`${base}${path}`, {
		method,
		headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(SETUP_TIMEOUT_MS),
	});
	const text = await response.text();
	return { status: response.status, json: text ? (JSON.parse(text) as Reply["json"]) : {} };
}

/** Like `call`, but anything other than `expected` is a setup failure worth stopping for. */
export async function expectCall(
	expected: number,
	base: string,
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
	const reply = await call(base, method, path, body, headers);
	if (reply.status !== expected) {
		throw new Error(
			`${method} ${path} answered ${reply.status} (expected ${expected}): ${JSON.stringify(reply.json)}`,
		);
	}
	return reply.json.data ?? {};
}

/** Runs `task(i)` for i in 0..count-1, at most `width` at a time. */
export async function pool(
	count: number,
	width: number,
	task: (i: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** A distinct client address per request slot, as Cloudflare's edge would set it. */
export function clientIp(i: number): string {
	return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * Mints `count` buyer sessions through the public endpoint (the debug token stands in for
 * Turnstile), each from its own client address, `width` at a time. Returns their tokens
 * in order: session i comes from clientIp(i).
 */
export async function mintSessions(
	base: string,
	debugToken: string,
	count: number,
	width: number,
): Promise<string[]> {
	const tokens: string[] = new Array(count);
	await pool(count, width, async (i) => {
		const data = await expectCall(
			201,
			base,
			"POST",
			"/api/sessions",
			{ turnstileToken: debugToken },
			{ "cf-connecting-ip": clientIp(i) },
		);
		tokens[i] = String(data.token);
	});
	return tokens;
}
