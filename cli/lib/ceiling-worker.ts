// The bench's ceiling worker (cli/bench/ceilings.ts) and its config for bare workerd and for the
// Miniflare API. One source serves both runtimes, so differences in the numbers are the
// runtime's, not the worker's. It began as the worker that chose the local runtime
// (docs/measurements/local-runtimes.md).
//   GET /          hello world (the workerd-hello row)
//   GET /do        one RPC to a SQLite-backed Durable Object that INSERTs one row
//   POST /json     parses a JSON body and answers 201 with a small JSON reply, no object and no
//                  write: the ceiling of any write path (the post-json-hello row)

import { workerdV8Flags } from "../../scripts/v8-flags.ts";

export const COMPATIBILITY_DATE = "2025-10-01";

export const WORKER_JS = `import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
	}
	hit() {
		return this.ctx.storage.sql.exec("INSERT INTO hits (at) VALUES (?)", Date.now()).rowsWritten;
	}
}

export default {
	async fetch(request, env) {
		const { pathname } = new URL(request.url);
		if (pathname === "/json" && request.method === "POST") {
			const body = await request.json();
			return Response.json({ data: { ok: true, sku: body.sku ?? null } }, { status: 201 });
		}
		if (pathname === "/do") {
			const stub = env.COUNTER.get(env.COUNTER.idFromName("hot"));
			return Response.json({ n: await stub.hit() });
		}
		return new Response("hello world");
	},
};
`;

/**
 * workerd's own config language; the port is bound on the command line (--socket-addr http=…).
 * The same V8 flags as the Miniflare runs (scripts/v8-flags.ts WORKERD_V8_FLAGS), so the ceiling
 * and our rows run under the same collector settings.
 */
export function workerdConfig(stateDir: string, v8Flags = workerdV8Flags()): string {
	return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = [ ${v8Flags.map((flag) => JSON.stringify(flag)).join(", ")} ],
  services = [
    (name = "main", worker = .ceilingWorker),
    (name = "do-disk", disk = (path = "${stateDir}", writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const ceilingWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  durableObjectNamespaces = [
    (className = "Counter", uniqueKey = "ceiling-Counter", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-disk"),
  bindings = [ (name = "COUNTER", durableObjectNamespace = "Counter") ],
);
`;
}

/** Miniflare 5's option shape (`workers: [{ config }]`): the same fields as a wrangler config. */
export const MINIFLARE_CONFIG = {
	name: "ceiling",
	compatibilityDate: COMPATIBILITY_DATE,
	manifest: {
		mainModule: "worker.js",
		modules: { "worker.js": { type: "esm", contents: WORKER_JS } },
	},
	env: {
		COUNTER: { type: "durable-object", worker: "ceiling", exportName: "Counter" },
	},
	exports: { Counter: { type: "durable-object", storage: "sqlite" } },
};
