// The session store (KV) as the session-store tests bend it: a buyer session minted "elsewhere"
// (straight into KV, so no isolate of the test has it cached), and a KV that answers late or never.
import { env } from "cloudflare:workers";
import { sha256Hex } from "../../src/shared/digest.ts";
import { sessionKey } from "../../src/worker/middleware/auth.ts";

/** An hour: the session outlives the test. */
const SESSION_SECONDS = 3_600;

/**
 * A buyer session written straight to KV, as another isolate would have minted it: no isolate
 * of this test has it cached, so using it means a KV read.
 */
export async function sessionFromElsewhere(): Promise<{ token: string; sessionId: string }> {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
	const sessionId = `ses_${token.slice(0, 24)}`;
	const now = Date.now();
	await env.SESSIONS.put(
		sessionKey(await sha256Hex(token)),
		JSON.stringify({
			sessionId,
			ipHash: "0".repeat(16),
			createdAt: new Date(now).toISOString(),
			expiresAt: new Date(now + SESSION_SECONDS * 1000).toISOString(),
		}),
		{ expirationTtl: SESSION_SECONDS },
	);
	return { token, sessionId };
}

/**
 * The session store answering every call `delayMs` late (never, when null), and the calls it got:
 * a KV that never answers, or one slower than the optional wait but within the deadline.
 */
export function slowKv(delayMs: number | null): { kv: KVNamespace; calls: string[] } {
	const calls: string[] = [];
	const kv = new Proxy(env.SESSIONS, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			return (...args: unknown[]) => {
				calls.push(String(prop));
				if (delayMs === null) return new Promise(() => {});
				return new Promise((resolve) => setTimeout(resolve, delayMs)).then(() =>
					Reflect.apply(value as (...a: unknown[]) => unknown, target, args),
				);
			};
		},
	});
	return { kv, calls };
}
