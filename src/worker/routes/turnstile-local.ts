// POST /__local/turnstile/siteverify: Turnstile's siteverify emulated over HTTP for offline
// local runs (ENVIRONMENT=local only); the rules are in src/worker/turnstile-emulation.ts.

import { Hono } from "hono";
import { API_SECURITY_HEADERS, type AppEnv } from "../http.ts";
import { emulateSiteverify, isLocal } from "../turnstile-emulation.ts";

/**
 * The same emulation over HTTP, speaking siteverify's form body, so a local run
 * can also point TURNSTILE_VERIFY_URL at it. Answers 404 outside ENVIRONMENT=local:
 * the app is built before the environment is known, so the check is per request.
 */
export const turnstileLocal = new Hono<AppEnv>();

turnstileLocal.post("/siteverify", async (c) => {
	if (!isLocal(c.get("config"))) return c.notFound();
	const form = await c.req.formData().catch(() => null);
	const read = (name: string) => {
		const v = form?.get(name);
		return typeof v === "string" ? v : "";
	};
	return c.json(
		emulateSiteverify(read("secret"), read("response"), Date.now()),
		200,
		API_SECURITY_HEADERS,
	);
});
