// Turnstile siteverify: Turnstile at the door (docs/architecture.md, decision 011). The URL is configurable
// so tests and local runs can point it at a stub speaking the same JSON.

import type { Config } from "../shared/config.ts";
import { TURNSTILE_SITEVERIFY } from "./env.ts";
import { emulateSiteverify, isLocal, isTestSecret } from "./turnstile-emulation.ts";

const VERIFY_TIMEOUT_MS = 5_000;

export type VerifyOutcome =
	| { ok: true }
	| { ok: false; reason: "rejected" | "unreachable"; detail: string };

export async function verifyTurnstile(config: Config, token: string): Promise<VerifyOutcome> {
	const { secretKey: secret, verifyUrl } = config.turnstile;
	// Offline local runs: Turnstile's test secrets are emulated in-process (no HTTP
	// hop, the Worker cannot know its own port). Never in production (ENVIRONMENT).
	if (verifyUrl === null && isLocal(config) && isTestSecret(secret)) {
		const result = emulateSiteverify(secret, token, Date.now());
		if (result.success) return { ok: true };
		return { ok: false, reason: "rejected", detail: result["error-codes"].join(", ") };
	}
	const body = new FormData();
	body.set("secret", secret);
	body.set("response", token);
	let response: Response;
	try {
		response = await fetch(verifyUrl ?? TURNSTILE_SITEVERIFY, {
			method: "POST",
			body,
			signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
		});
	} catch (error) {
		return { ok: false, reason: "unreachable", detail: String(error) };
	}
	if (!response.ok)
		return { ok: false, reason: "unreachable", detail: `siteverify answered ${response.status}` };
	const result = (await response.json().catch(() => null)) as {
		success?: boolean;
		"error-codes"?: string[];
	} | null;
	if (result?.success === true) return { ok: true };
	return {
		ok: false,
		reason: "rejected",
		detail: (result?.["error-codes"] ?? []).join(", ") || "not verified",
	};
}
