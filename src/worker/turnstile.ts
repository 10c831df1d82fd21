// Turnstile siteverify: Turnstile at the door (docs/architecture.md, decision 011). The URL is configurable
// so tests and local runs can point it at a stub speaking the same JSON. What an answer means for
// the buyer: siteverify-verdict.ts.

import type { Config } from "../shared/config.ts";
import { TURNSTILE_SITEVERIFY } from "./env.ts";
import { judgeSiteverify, type VerifyOutcome } from "./siteverify-verdict.ts";
import { emulateSiteverify, isLocal, isTestSecret } from "./turnstile-emulation.ts";

export type { VerifyOutcome } from "./siteverify-verdict.ts";

/** The whole exchange, body included: a body that stalls after the headers is a timeout too. */
const VERIFY_TIMEOUT_MS = 5_000;
/** siteverify answers a few hundred bytes of JSON; a longer body is not its answer. */
export const MAX_SITEVERIFY_BODY_BYTES = 64 * 1024;
/** One misconfiguration line per isolate this often, however many buyers meet it. */
const MISCONFIGURED_LOG_EVERY_MS = 60_000;

let misconfiguredLoggedAtMs = Number.NEGATIVE_INFINITY;
let misconfiguredUnlogged = 0;

/** Where the token was sent from: the request's host, and the client's address when it is one. */
export interface VerifyRequest {
	host: string;
	remoteIp: string | null;
}

export async function verifyTurnstile(
	config: Config,
	token: string,
	request: VerifyRequest,
): Promise<VerifyOutcome> {
	const { secretKey: secret, verifyUrl } = config.turnstile;
	// Offline local runs: Turnstile's test secrets are emulated in-process (no HTTP
	// hop, the Worker cannot know its own port). Never in production (ENVIRONMENT).
	if (verifyUrl === null && isLocal(config) && isTestSecret(secret))
		return judgeSiteverify(emulateSiteverify(secret, token, Date.now()));
	// A test secret's answer names whatever host Cloudflare puts in it for the dummy token, not the
	// page's, and test secrets run only in local and test (src/shared/config-rules.ts): no check.
	const accepted = isTestSecret(secret)
		? undefined
		: (config.turnstile.hostnames ?? [request.host.toLowerCase()]);
	const body = new FormData();
	body.set("secret", secret);
	body.set("response", token);
	// Cloudflare's recommended extra signal: the address the token is presented from.
	if (request.remoteIp !== null) body.set("remoteip", request.remoteIp);
	let answer: unknown;
	try {
		const response = await fetch(verifyUrl ?? TURNSTILE_SITEVERIFY, {
			method: "POST",
			body,
			signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
		});
		if (!response.ok) {
			await response.body?.cancel();
			return { ok: false, reason: "unavailable", detail: `siteverify answered ${response.status}` };
		}
		answer = parseJson(await boundedText(response));
	} catch (error) {
		// Not reached, refused, timed out before or during the body, or a body over the bound.
		return { ok: false, reason: "unavailable", detail: String(error) };
	}
	const verdict = judgeSiteverify(answer, accepted);
	if (!verdict.ok && verdict.reason === "misconfigured") logMisconfigured(verdict.detail);
	return verdict;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** The body as text, refused past MAX_SITEVERIFY_BODY_BYTES without reading the rest. */
async function boundedText(response: Response): Promise<string> {
	const reader = response.body?.getReader();
	if (reader === undefined) return "";
	const chunks: Uint8Array[] = [];
	let bytes = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		bytes += value.byteLength;
		if (bytes > MAX_SITEVERIFY_BODY_BYTES) {
			await reader.cancel();
			throw new Error(`siteverify's answer is over ${MAX_SITEVERIFY_BODY_BYTES} bytes`);
		}
		chunks.push(value);
	}
	const whole = new Uint8Array(bytes);
	let at = 0;
	for (const chunk of chunks) {
		whole.set(chunk, at);
		at += chunk.byteLength;
	}
	return new TextDecoder().decode(whole);
}

/**
 * The operator's to fix (a wrong TURNSTILE_SECRET_KEY, or siteverify refusing our request): every
 * buyer gets 503 until then, so the log says so, once a minute per isolate rather than per buyer.
 */
function logMisconfigured(codes: string): void {
	const now = Date.now();
	if (now - misconfiguredLoggedAtMs < MISCONFIGURED_LOG_EVERY_MS) {
		misconfiguredUnlogged++;
		return;
	}
	const since =
		misconfiguredUnlogged > 0 ? ` (${misconfiguredUnlogged} more since the last line)` : "";
	misconfiguredLoggedAtMs = now;
	misconfiguredUnlogged = 0;
	console.error(
		`Turnstile siteverify refused this server's request (${codes}): check TURNSTILE_SECRET_KEY; every new session answers 503 until it is fixed${since}`,
	);
}
