// The host a local server answers (ENVIRONMENT=local: `npm start`, `npm run dev`). Such a server
// listens on loopback, but a browser reaches it under any name that resolves there: a page on
// attacker.example whose DNS answer switches to 127.0.0.1 (DNS rebinding) is same-origin with
// "attacker.example:8787" and could drive every operator route with local.vars' committed
// ADMIN_TOKEN. The browser still sends its own name in `Host`, so the API answers only loopback
// names and those LOCAL_HOSTS lists; anything else is 403 `forbidden` naming the host, before the
// rate limits, the cost ledger or a route see it
// (docs/decisions/164-production-refuses-unsafe-configuration.md). Outside ENVIRONMENT=local
// (config.localHosts null) nothing is checked: Cloudflare routes only the deploy's own hosts to it.

import type { Config } from "../../shared/config.ts";
import { type Ctx, fail, quoted } from "../http.ts";

/** Names of this machine: `localhost` and its subdomains (RFC 6761), 127.0.0.0/8, `[::1]`. */
const LOOPBACK_HOST = /^(?:(?:[a-z0-9-]+\.)*localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The host name of an absolute request URL, lower case, without port or a final dot. workerd
 * builds the URL from `Host`, already normalised (lower case, IPv6 in brackets); cut out of the
 * string rather than parsed, as every local request pays it.
 */
export function hostnameOf(url: string): string {
	const start = url.indexOf("://") + 3;
	let end = url.indexOf("/", start);
	if (end === -1) end = url.length;
	let host = url.slice(start, end).toLowerCase();
	const port = host.lastIndexOf(":");
	if (port !== -1 && port > host.lastIndexOf("]")) host = host.slice(0, port);
	return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** True when `hostname` (as hostnameOf gives it) may be answered with these LOCAL_HOSTS. */
export function isLocalHost(hostname: string, localHosts: readonly string[]): boolean {
	return LOOPBACK_HOST.test(hostname) || localHosts.includes(hostname);
}

/** The 403 for a request under a host this local server does not answer; null to go on. */
export function foreignHostRefusal(c: Ctx, config: Config): Response | null {
	const allowed = config.localHosts;
	if (allowed === null) return null;
	const hostname = hostnameOf(c.req.url);
	if (isLocalHost(hostname, allowed)) return null;
	return fail(
		c,
		"forbidden",
		`This local server answers only on loopback host names (localhost, 127.0.0.1, [::1]) and those LOCAL_HOSTS lists, not on ${quoted(hostname)}: a page reaching it under another name may be a DNS-rebinding attack. Add the name to LOCAL_HOSTS if it is yours.`,
	);
}
