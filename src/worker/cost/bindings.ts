// Metered bindings: the cost middleware hands every route a copy of `env`
// whose DO, D1, KV and Analytics Engine bindings count what they are asked to
// do into the request's usage. Routes stay unaware of the ledger, and a route
// added tomorrow is metered the day it lands — one place, not one call per route.
//
// What is counted, and from where:
// - Durable Object: one request per RPC call (Cloudflare bills each RPC call as
//   one request); wall time of the call as seen from the Worker (an upper
//   bound of the object's billed duration: concurrent calls share it); rows
//   the object measured, for the calls that report them (ROW_REPORTING).
// - D1: rows_read / rows_written from each result's meta, as D1 reports them.
// - KV: one read per key read, one write per put, delete or list.
// - Analytics Engine: one point per writeDataPoint.

import type { UsageCounts } from "../../shared/types.ts";
import type { Env } from "../env.ts";
import type { SqlRows } from "./meter.ts";

/** Where a metered environment keeps its request's usage (read by the shared getters below). */
const USAGE = Symbol("usage");
/**
 * Where it keeps each binding once wrapped for its request: slots every metered environment is
 * made with (meteredEnv), so a first use fills a field instead of defining a property on the
 * request's object, which cost a sold-out answer about 3 µs of its ~60 in the isolate
 * (docs/hot-path/sold-out.md, "The metered binding's first use").
 */
const SLOT = {
	INVENTORY: Symbol("INVENTORY"),
	DB: Symbol("DB"),
	SESSIONS: Symbol("SESSIONS"),
	ANALYTICS: Symbol("ANALYTICS"),
} as const;
type Metered = Env & { [USAGE]: UsageCounts } & {
	[K in (typeof SLOT)[keyof typeof SLOT]]: unknown;
};

/** The bindings that are metered, and how each is wrapped. */
const METERS: {
	[K in "INVENTORY" | "DB" | "SESSIONS" | "ANALYTICS"]: (
		binding: NonNullable<Env[K]>,
		usage: UsageCounts,
	) => Env[K];
} = {
	INVENTORY: (ns, usage) => meterNamespace(ns, usage),
	DB: (db, usage) => meterD1(db, usage),
	SESSIONS: (kv, usage) => meterKv(kv, usage),
	ANALYTICS: (dataset, usage) => meterAnalytics(dataset, usage),
};

/**
 * One prototype per environment object (once per isolate: workerd hands it the same `env`
 * every request): it inherits every binding and variable of `env` and has a getter for each
 * metered binding that wraps it for the request reading it, on first use. A request then costs
 * one small object, and a binding it never touches (every binding, for /healthz) is never
 * wrapped; building four proxies and copying `env` per request showed in the CPU profile
 * (docs/hot-path/edge-cost.md, "The edge's per-request cost").
 */
const prototypes = new WeakMap<Env, object>();

function meteredPrototype(env: Env): object {
	const proto = Object.create(env) as object;
	for (const name of Object.keys(METERS) as (keyof typeof METERS)[]) {
		const binding = env[name];
		// A binding an environment lacks stays absent: the route that needs it fails as it would unmetered.
		if (binding === undefined || binding === null) continue;
		const wrap = METERS[name] as (binding: unknown, usage: UsageCounts) => unknown;
		const slot = SLOT[name];
		Object.defineProperty(proto, name, {
			enumerable: true,
			get(this: Metered) {
				let metered = this[slot];
				if (metered === undefined) {
					metered = wrap(binding, this[USAGE]);
					this[slot] = metered;
				}
				return metered;
			},
		});
	}
	return proto;
}

export function meteredEnv(env: Env, usage: UsageCounts): Env {
	let proto = prototypes.get(env);
	if (proto === undefined) {
		proto = meteredPrototype(env);
		prototypes.set(env, proto);
	}
	const metered = Object.create(proto) as Metered;
	metered[USAGE] = usage;
	metered[SLOT.INVENTORY] = undefined;
	metered[SLOT.DB] = undefined;
	metered[SLOT.SESSIONS] = undefined;
	metered[SLOT.ANALYTICS] = undefined;
	return metered;
}

type AnyFunction = (...args: unknown[]) => unknown;

function meterNamespace<T extends object>(namespace: T, usage: UsageCounts): T {
	return new Proxy(namespace, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			const fn = (value as AnyFunction).bind(target);
			if (prop === "get" || prop === "getByName") {
				return (...args: unknown[]) => meterStub(fn(...args) as object, usage);
			}
			return fn;
		},
	});
}

function meterStub<T extends object>(stub: T, usage: UsageCounts): T {
	return new Proxy(stub, {
		get(target, prop) {
			// Identity and promise probing are not calls: "then" must stay whatever the stub says.
			if (typeof prop === "symbol" || prop === "then" || prop === "id" || prop === "name") {
				return Reflect.get(target, prop);
			}
			const method = Reflect.get(target, prop) as unknown;
			if (typeof method !== "function") return method;
			return (...args: unknown[]) => {
				usage.doRequests += 1;
				const startedMs = Date.now();
				// Reflect.apply: an RPC method is itself a stub, whose `.apply` would be a remote call.
				return Promise.resolve(Reflect.apply(method as AnyFunction, target, args)).then(
					(answer) => {
						usage.doWallMs += Date.now() - startedMs;
						// Answers that report the SQLite rows they cost (reserveWithMeta) are billed by them.
						const sqlRows = (answer as { sqlRows?: SqlRows } | null)?.sqlRows;
						if (sqlRows !== undefined) {
							usage.doRowsRead += sqlRows.read;
							usage.doRowsWritten += sqlRows.written;
						}
						return answer;
					},
					(error: unknown) => {
						usage.doWallMs += Date.now() - startedMs;
						throw error;
					},
				);
			};
		},
	});
}

function meterD1(db: D1Database, usage: UsageCounts): D1Database {
	const count = (meta: { rows_read?: number; rows_written?: number } | undefined) => {
		usage.d1RowsRead += meta?.rows_read ?? 0;
		usage.d1RowsWritten += meta?.rows_written ?? 0;
	};
	// batch() needs D1's own statements back.
	const inner = new WeakMap<object, D1PreparedStatement>();
	const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
		const metered = {
			bind: (...values: unknown[]) => wrap(statement.bind(...values)),
			run: async () => {
				const result = await statement.run();
				count(result.meta);
				return result;
			},
			all: async () => {
				const result = await statement.all();
				count(result.meta);
				return result;
			},
			// D1's first() runs the whole query too; going through all() is what exposes its meta.
			first: async (column?: string) => {
				const result = await statement.all<Record<string, unknown>>();
				count(result.meta);
				const row = result.results[0];
				if (row === undefined) return null;
				if (column === undefined) return row;
				if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
				return row[column];
			},
			// raw() answers without meta: count the rows it returned, a lower bound of rows read.
			raw: async (options?: { columnNames?: boolean }) => {
				const rows = (await statement.raw(options as { columnNames?: false })) as unknown[];
				usage.d1RowsRead += Math.max(0, rows.length - (options?.columnNames ? 1 : 0));
				return rows;
			},
		};
		inner.set(metered, statement);
		return metered as unknown as D1PreparedStatement;
	};
	return new Proxy(db, {
		get(target, prop) {
			if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
			if (prop === "batch") {
				return async (statements: D1PreparedStatement[]) => {
					const results = await target.batch(statements.map((s) => inner.get(s) ?? s));
					for (const result of results) count(result.meta);
					return results;
				};
			}
			const value = Reflect.get(target, prop) as unknown;
			return typeof value === "function" ? (value as AnyFunction).bind(target) : value;
		},
	});
}

function meterKv(kv: KVNamespace, usage: UsageCounts): KVNamespace {
	return new Proxy(kv, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			const fn = (value as AnyFunction).bind(target);
			if (prop === "get" || prop === "getWithMetadata") {
				return (key: unknown, ...rest: unknown[]) => {
					usage.kvReads += Array.isArray(key) ? key.length : 1;
					return fn(key, ...rest);
				};
			}
			if (prop === "put" || prop === "delete" || prop === "list") {
				return (...args: unknown[]) => {
					usage.kvWrites += 1;
					return fn(...args);
				};
			}
			return fn;
		},
	});
}

function meterAnalytics(
	dataset: AnalyticsEngineDataset,
	usage: UsageCounts,
): AnalyticsEngineDataset {
	return {
		writeDataPoint(point?: AnalyticsEngineDataPoint) {
			usage.aePoints += 1;
			dataset.writeDataPoint(point);
		},
	};
}
