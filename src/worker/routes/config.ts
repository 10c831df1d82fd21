// What the pages need to know before they start: the Turnstile site key (public
// by design: it is in every page that shows the widget) and whether the local
// siteverify emulation is on. Nothing secret may ever be added here: this is
// served to every browser (DEBUG_TOKEN and the secret key stay on the server).

import { Hono } from "hono";
import type { UiConfig } from "../../shared/types.ts";
import { type AppEnv, ok } from "../http.ts";
import { isLocal } from "../turnstile-emulation.ts";

export const config = new Hono<AppEnv>();

config.get("/", (c) => {
	const body: UiConfig = {
		turnstileSiteKey: c.get("config").turnstile.siteKey,
		localTurnstile: isLocal(c.get("config")),
		paymentProvider: c.get("config").payment.provider,
	};
	return ok(c, body);
});
