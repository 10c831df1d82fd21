// D1 and KV failures, told apart from bugs. Every request's D1 and KV bindings
// are wrapped here (worker/app.ts, first middleware): a call that fails is
// rethrown as StorageUnavailable, which the app's error handler answers with
// 503 `unavailable` and a Retry-After (docs/api.md: a 5xx other than 503 is a bug).
// A constraint violation is an answer, not an outage (eventual mode reads it
// as a raced Idempotency-Key), so it passes through unchanged.
//
// Every call is also bounded in time (KV_DEADLINE_MS, D1_DEADLINE_MS): one that has not answered
// by then is StorageUnavailable too, so a slow or hung store is the same documented 503, never an
// open-ended wait (docs/decisions/094-a-slow-session-store.md, 103-a-slow-database.md).
//
// The hot path needs neither: reservations and availability are decided by the
// SKU's object, and the edge's SKU check (worker/catalogue.ts) falls through to
// the object when D1 cannot answer, or is slow to. A SKU the isolate knows makes no D1 call,
// so it never starts a deadline's timer.

import { D1_DEADLINE_MS } from "../domain/bounds.ts";
import { withDeadline } from "../shared/deadline.ts";
import type { Env } from "./env.ts";

/** What a client should wait before retrying: the outbox's longest retry wait, rounded up. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The longest the edge waits for one KV call on a request's path: a session read or write that
 * has not answered by then fails as an outage does (503 `unavailable`, Retry-After). KV answers
 * from a location's cache quickly and from its central stores more slowly
 * (developers.cloudflare.com/kv/concepts/how-kv-works); this is far past both, and well short of a
 * buyer's patience. Where the session is optional the edge waits less (middleware/auth.ts
 * OPTIONAL_SESSION_WAIT_MS).
 */
export const KV_DEADLINE_MS = 2_000;

export type StorageBinding = "D1" | "KV";

export class StorageUnavailable extends Error {
	constructor(
		readonly binding: StorageBinding,
		override readonly cause: unknown,
	) {
		// The cause's text stays in the message: logs and String(error) still show it.
		super(`${binding} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
		this.name = "StorageUnavailable";
	}
}

const CONSTRAINT = /SQLITE_CONSTRAINT|UNIQUE constraint|constraint failed/i;

/** A SKU object's own SQLite failing (shared/sqlite-errors.ts): 503, as D1's and KV's outages. */
export { objectStorageFailed } from "../shared/sqlite-errors.ts";

function rethrow(binding: StorageBinding) {
	return (error: unknown): never => {
		if (error instanceof StorageUnavailable) throw error;
		if (binding === "D1" && CONSTRAINT.test(String(error))) throw error;
		throw new StorageUnavailable(binding, error);
	};
}

const DEADLINES: Record<StorageBinding, number> = { D1: D1_DEADLINE_MS, KV: KV_DEADLINE_MS };

/**
 * A call's rejection as StorageUnavailable, a synchronous throw too; and a promise it returns
 * bounded by the binding's deadline (a statement or a session object is not a call's answer).
 */
function guarded<T>(binding: StorageBinding, call: () => T): T {
	let result: T;
	try {
		result = call();
	} catch (error) {
		return rethrow(binding)(error);
	}
	if (result instanceof Promise) {
		return withDeadline(result, DEADLINES[binding]).catch(rethrow(binding)) as T;
	}
	return result;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** The bindings of `env` with D1 and KV failures made StorageUnavailable. */
export function guardStorage(env: Env): Env {
	return {
		...env,
		DB: env.DB && guardD1(env.DB),
		SESSIONS: env.SESSIONS && guardKv(env.SESSIONS),
	};
}

function guardD1(db: D1Database): D1Database {
	// batch() needs D1's own statements back.
	const inner = new WeakMap<object, D1PreparedStatement>();
	const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
		const proxy = new Proxy(statement, {
			get(target, prop) {
				const value = Reflect.get(target, prop) as unknown;
				if (typeof value !== "function") return value;
				if (prop === "bind") {
					return (...values: unknown[]) =>
						wrap(guarded("D1", () => target.bind(...values)) as D1PreparedStatement);
				}
				return (...args: unknown[]) =>
					guarded("D1", () => Reflect.apply(value as AnyFunction, target, args));
			},
		});
		inner.set(proxy, statement);
		return proxy;
	};
	return new Proxy(db, {
		get(target, prop) {
			if (prop === "prepare") {
				return (query: string) => wrap(guarded("D1", () => target.prepare(query)));
			}
			if (prop === "batch") {
				return (statements: D1PreparedStatement[]) =>
					guarded("D1", () => target.batch(statements.map((s) => inner.get(s) ?? s)));
			}
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			return (...args: unknown[]) =>
				guarded("D1", () => Reflect.apply(value as AnyFunction, target, args));
		},
	});
}

function guardKv(kv: KVNamespace): KVNamespace {
	return new Proxy(kv, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			return (...args: unknown[]) =>
				guarded("KV", () => Reflect.apply(value as AnyFunction, target, args));
		},
	});
}
