// Which pages may open a SKU's live feed. A WebSocket upgrade is outside CORS: a browser opens one
// to any site from any page, sending that page's origin in `Origin`. Without a check, any page on
// the web could make each of its visitors' browsers hold a place of the feed from the visitor's own
// address, which no per-address bound can tell from a person's
// (docs/decisions/128-live-feed-places-per-address.md). So an upgrade whose `Origin` is present must
// name the site's own: the origin the request was made to (the pages and the API are one Worker,
// so a page of this site opens the feed on its own origin), or one LIVE_FEED_ORIGINS lists (a
// proxy in front that rewrites the host). A request without `Origin` is no browser page's
// (`curl`, a script, a native app) and is taken: the header is what a browser cannot leave out.
// Locally (ENVIRONMENT local or test) a page on a loopback address is taken at any port too, as
// the Vite dev server's, which proxies the API from another port (vite.config.ts).

import type { Config } from "../shared/config.ts";
import { TEST_ENVIRONMENTS } from "../shared/config-rules.ts";

/** Hosts of a page on this machine, as `URL` spells them. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The longest Origin a refusal quotes: a header may be any length, an answer should not. */
const MAX_ORIGIN_QUOTED = 200;

/**
 * Why an upgrade with this `Origin` header is refused, for the 403's message; null when it is
 * taken. `requestUrl` is the request's own URL (its origin is the site's).
 */
export function liveOriginProblem(
	origin: string | undefined,
	requestUrl: string,
	config: Pick<Config, "environment" | "liveFeedOrigins">,
): string | null {
	if (origin === undefined) return null;
	if (origin === new URL(requestUrl).origin) return null;
	if (config.liveFeedOrigins.includes(origin)) return null;
	if (TEST_ENVIRONMENTS.has(config.environment) && isLoopbackPage(origin)) return null;
	const quoted =
		origin.length > MAX_ORIGIN_QUOTED ? `${origin.slice(0, MAX_ORIGIN_QUOTED)}…` : origin;
	return `The live feed opens only from this site's own pages (or an origin LIVE_FEED_ORIGINS lists), not from a page of ${JSON.stringify(quoted)}; read availability instead.`;
}

function isLoopbackPage(origin: string): boolean {
	if (!URL.canParse(origin)) return false;
	const url = new URL(origin);
	return (
		(url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOST.test(url.hostname)
	);
}
