// The throwaway worker of cli/runtime-probe.ts and its config for each runtime. One source
// serves every runtime, so differences in the numbers are the runtime's, not the worker's.
//   GET /          hello world
//   GET /do        one RPC to a SQLite-backed Durable Object that INSERTs one row
//   GET /count     rows in that object (to check that acknowledged writes happened)
//   GET /bindings  whether D1 and KV bindings answer in this runtime
//   POST /json     parses a JSON body and answers 201 with a small JSON reply, no object and no
//                  write: the ceiling of any write path (the bench's post-json-hello row)

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
	count() {
		return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM hits").one().n;
	}
}

export default {
	async fetch(request, env) {
		const { pathname } = new URL(request.url);
		if (pathname === "/json" && request.method === "POST") {
			const body = await request.json();
			return Response.json({ data: { ok: true, sku: body.sku ?? null } }, { status: 201 });
		}
		if (pathname === "/do" || pathname === "/count") {
			const stub = env.COUNTER.get(env.COUNTER.idFromName("hot"));
			const n = pathname === "/do" ? await stub.hit() : await stub.count();
			return Response.json({ n });
		}
		if (pathname === "/bindings") {
			const usable = { d1: false, kv: false };
			if (env.DB) usable.d1 = (await env.DB.prepare("SELECT 41 + 1 AS n").first("n")) === 42;
			if (env.KV) {
				await env.KV.put("probe", "ok");
				usable.kv = (await env.KV.get("probe")) === "ok";
			}
			return Response.json(usable);
		}
		return new Response("hello world");
	},
};
`;

export const WRANGLER_JSONC = `{
	"name": "runtime-probe",
	"main": "worker.js",
	"compatibility_date": "${COMPATIBILITY_DATE}",
	"durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
	"d1_databases": [{ "binding": "DB", "database_name": "probe", "database_id": "probe-db" }],
	"kv_namespaces": [{ "binding": "KV", "id": "probe-kv" }],
	"migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
}
`;

/** workerd's own config language; the port is bound on the command line (--socket-addr http=…). */
export function workerdConfig(stateDir: string): string {
	return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .probeWorker),
    (name = "do-disk", disk = (path = "${stateDir}", writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const probeWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  durableObjectNamespaces = [
    (className = "Counter", uniqueKey = "runtime-probe-Counter", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-disk"),
  bindings = [ (name = "COUNTER", durableObjectNamespace = "Counter") ],
);
`;
}

/** Miniflare 5's option shape (`workers: [{ config }]`): the same fields as a wrangler config. */
export const MINIFLARE_CONFIG = {
	name: "runtime-probe",
	compatibilityDate: COMPATIBILITY_DATE,
	manifest: {
		mainModule: "worker.js",
		modules: { "worker.js": { type: "esm", contents: WORKER_JS } },
	},
	env: {
		COUNTER: { type: "durable-object", worker: "runtime-probe", exportName: "Counter" },
		DB: { type: "d1", id: "probe-db" },
		KV: { type: "kv", id: "probe-kv" },
	},
	exports: { Counter: { type: "durable-object", storage: "sqlite" } },
};
