// The entrypoint `npm start` wires its socket to (scripts/runtime.ts). It is the same Hono app as
// the default export, with the two things Cloudflare's edge (or wrangler dev's entry worker) would
// otherwise do in front of it: route non-API paths to the static assets with the assets router's
// rules (src/worker/local-routes.ts), and count a request without CF-Connecting-IP as coming from
// the loopback peer (src/worker/client-ip.ts: named once, not by copying each Request).
// It also drops the note Miniflare's asset worker adds to its answers for the request log, as the
// entry worker does (`X-Mf-Additional-Response-Log`).
// A named entrypoint rather than the default one because Miniflare puts its assets router in front
// of a direct socket into the default entrypoint, which costs about three quarters of the hello
// throughput (docs/decisions/004-local-runtime.md). Unused in production: a named entrypoint is
// reachable only through a service binding, and nothing binds to it.
// A handler object, not a `WorkerEntrypoint` class: workerd constructs a class entrypoint anew for
// every request (its constructor and the base class's showed as 4 % of a /healthz profile), and
// this entrypoint needs nothing a class gives (no RPC methods, no per-request state):
// docs/decisions/045-start-hello.md.

import { app } from "./app.ts";
import { setMissingHeaderIp } from "./client-ip.ts";
import type { Env } from "./env.ts";
import { LOCAL_CLIENT_IP, pathOf, runsWorkerFirst } from "./local-routes.ts";

export const LocalEntrypoint = {
	// Not async: the app's answer is handed on as it is, without a promise of this method's own
	// wrapping it (a few microtask turns every request would pay: docs/hot-path/edge-cost.md, "What every
	// request pays").
	fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
		const assets = env.ASSETS;
		if (assets && !runsWorkerFirst(pathOf(request.url)))
			return assets.fetch(request).then(withoutLogNote);
		setMissingHeaderIp(LOCAL_CLIENT_IP);
		return app.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<Env>;

/** Miniflare's asset worker notes how it answered (e.g. "using not_found_handling") for its log. */
const LOG_NOTE_HEADER = "x-mf-additional-response-log";

function withoutLogNote(response: Response): Response {
	if (!response.headers.has(LOG_NOTE_HEADER)) return response;
	const copy = new Response(response.body, response);
	copy.headers.delete(LOG_NOTE_HEADER);
	return copy;
}
