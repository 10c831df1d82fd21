// What Cloudflare's assets router decides in front of the Worker, for the one place that has no
// router: `npm start`'s socket (scripts/runtime.ts, docs/decisions/004-local-runtime.md).
// test/unit/local-routes.test.ts keeps RUN_WORKER_FIRST equal to wrangler.jsonc.

/** wrangler.jsonc `assets.run_worker_first`: these paths reach the Worker, everything else is a static asset. */
export const RUN_WORKER_FIRST = ["/api/*", "/healthz", "/__local/*"] as const;

/**
 * The client address when nobody in front set CF-Connecting-IP: `npm start` listens on loopback
 * only, so the peer is this machine (what wrangler dev's entry worker fills in as well).
 */
export const LOCAL_CLIENT_IP = "127.0.0.1";

/** A run_worker_first rule as a regular expression: `*` matches any characters, `/` included. */
function ruleToRegExp(rule: string): RegExp {
	const escaped = rule.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
	return new RegExp(`^${escaped}$`);
}

const WORKER_FIRST = RUN_WORKER_FIRST.map(ruleToRegExp);

/** True when Cloudflare's router would hand `pathname` to the Worker before looking for an asset. */
export function runsWorkerFirst(pathname: string): boolean {
	return WORKER_FIRST.some((rule) => rule.test(pathname));
}

/** Characters after which a path may be rewritten by URL parsing (dot segments, escapes, backslashes). */
const NEEDS_PARSING = /\/\.|%|\\/;

/**
 * The pathname of an absolute request URL, as `new URL(url).pathname` gives it, without building a
 * URL object for the common case: a plain path is cut out of the string. A path URL parsing could
 * rewrite (`/a/../b`, `%2e`, `\`) goes through the parser, so routing never sees a different path.
 */
export function pathOf(url: string): string {
	const start = url.indexOf("/", url.indexOf("://") + 3);
	if (start === -1) return new URL(url).pathname;
	let end = url.length;
	for (let i = start; i < url.length; i++) {
		const ch = url.charCodeAt(i);
		if (ch === 63 /* ? */ || ch === 35 /* # */) {
			end = i;
			break;
		}
	}
	const path = url.slice(start, end);
	return NEEDS_PARSING.test(path) ? new URL(url).pathname : path;
}
