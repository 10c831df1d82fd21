// What a local server (ENVIRONMENT=local: `npm start`, `npm run dev`) judges a request by: its raw
// `Host` and, when present, its `Origin` (docs/decisions/164-production-refuses-unsafe-configuration.md).
// Such a server listens on loopback, but a browser reaches it under any name that resolves there:
// a page on attacker.example whose DNS answer switches to 127.0.0.1 (DNS rebinding) is
// same-origin with "attacker.example:8787" and could drive every operator route with local.vars'
// committed ADMIN_TOKEN. Two headers a page cannot forge tell it apart:
// - `Host`, the raw header (not the request's URL: Miniflare's entry worker, in front of
//   `npm start`'s second socket and of wrangler dev, builds the URL from a client's
//   `MF-Original-URL` header, which a same-origin page may send without a preflight), must be a
//   loopback name or one LOCAL_HOSTS lists;
// - `Origin`, when present (a browser sends it on every request but a same-origin GET or HEAD,
//   and on WebSocket upgrades), must be a page on such a host.
// One rule, judged in two places: by the Worker (src/worker/middleware/local-host.ts), and under
// `npm run dev` first by its loopback front (scripts/dev-front.ts), because wrangler's proxy
// rewrites `Host` from `MF-Original-URL` before the Worker sees it (decision 176). No Workers or
// Node types: both import it.

import { quoted } from "./quoted.ts";

/** Names of this machine: `localhost` and its subdomains (RFC 6761), 127.0.0.0/8, `[::1]`. */
const LOOPBACK_HOST = /^(?:(?:[a-z0-9-]+\.)*localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * What another spelling of an IP address may contain (digits, hex, dots; IPv6 in brackets):
 * nothing that the URL parser would cut a host name at (`/`, `?`, `#`, `@`, `\`).
 */
const ADDRESS_SPELLING = /^(?:[0-9a-fx.]+|\[[0-9a-f:.]+\])$/;

/**
 * The host name of a `Host` header's value (`name[:port]`, `[v6][:port]`), lower case, without
 * port or a final dot: a cut of the string, not a parse, as every local request pays it.
 */
export function hostnameOf(host: string): string {
	let name = host.toLowerCase();
	const port = name.lastIndexOf(":");
	if (port !== -1 && port > name.lastIndexOf("]")) name = name.slice(0, port);
	return name.endsWith(".") ? name.slice(0, -1) : name;
}

/**
 * True when `hostname` (as hostnameOf gives it) may be answered with these LOCAL_HOSTS. Another
 * spelling of a loopback address (`127.1`, `0x7f000001`, `[0:0:0:0:0:0:0:1]`) is taken as the URL
 * standard reads it, as a browser and wrangler's proxy read it; only a name the fast test refuses
 * pays that parse.
 */
export function isLocalHost(hostname: string, localHosts: readonly string[]): boolean {
	if (LOOPBACK_HOST.test(hostname) || localHosts.includes(hostname)) return true;
	if (!ADDRESS_SPELLING.test(hostname) || !URL.canParse(`http://${hostname}/`)) return false;
	const normalised = new URL(`http://${hostname}/`).hostname;
	return normalised !== hostname && LOOPBACK_HOST.test(normalised);
}

/** The host name of an `Origin` header (`scheme://host[:port]`); "" for `null` or a malformed one. */
function originHostname(origin: string): string {
	const start = origin.indexOf("://");
	if (start === -1) return "";
	const rest = origin.slice(start + 3);
	return rest === "" || rest.includes("/") ? "" : hostnameOf(rest);
}

/** The last `Host` and `Origin` taken, for this LOCAL_HOSTS list: a page repeats its own. */
let takenFor: readonly string[] | null = null;
let takenHost: string | undefined;
let takenOrigin: string | undefined;

/**
 * Why a request with these `Host` and `Origin` headers is refused under these LOCAL_HOSTS, for
 * the 403's message; null to go on. A missing `Host` is refused: every browser sends one.
 */
export function localRequestProblem(
	host: string | undefined,
	origin: string | undefined,
	localHosts: readonly string[],
): string | null {
	if (takenFor !== localHosts) {
		takenFor = localHosts;
		takenHost = undefined;
		takenOrigin = undefined;
	}
	if (host === undefined || host !== takenHost) {
		const hostname = hostnameOf(host ?? "");
		if (!isLocalHost(hostname, localHosts))
			return `This local server answers only on loopback host names (localhost, 127.0.0.1, [::1]) and those LOCAL_HOSTS lists, not on ${quoted(hostname)}: a page reaching it under another name may be a DNS-rebinding attack. Add the name to LOCAL_HOSTS if it is yours.`;
		takenHost = host;
	}
	if (origin !== undefined && origin !== takenOrigin) {
		if (!isLocalHost(originHostname(origin), localHosts))
			return `This local server answers only pages on loopback host names (localhost, 127.0.0.1, [::1]) and those LOCAL_HOSTS lists, not a page of ${quoted(origin)}: another site's page calling it may be a DNS-rebinding attack. Add the page's host name to LOCAL_HOSTS if it is yours.`;
		takenOrigin = origin;
	}
	return null;
}
