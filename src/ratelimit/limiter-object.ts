// A dedicated limiter Durable Object, for the limits that must be exact across
// every isolate and location but are rare: resets (docs/api.md: at most one a minute
// per client IP), and session creation (a token bucket per client key, beside the isolate's). One object per key (a keyed hash of the IP, src/worker/secrets.ts), so
// keys never contend. It is an extra hop — measured at about half the edge's throughput
// (docs/decisions/010-rate-limit-counters.md) — which is why the hot paths do not use it.
//
// The object named TOTALS_NAME also keeps the edge's refusal counts that belong
// to no SKU (session creation, the product list), merged in batches.
//
// A full bucket and a log whose hits have all left the window are the same as none, so the
// object forgets them: each write sets its alarm for the moment that is so, and the alarm deletes
// the object's storage (the tallies excepted). The session limiter is one object per client key
// per UTC day; without this each would keep its rows for the life of the deployment.

import { DurableObject } from "cloudflare:workers";
import { type Decision, TokenBucket } from "../domain/rate-counters.ts";
import { type Migration, migrate } from "../storage/do-migrations.ts";

/** The one instance that keeps the global refusal tallies. */
export const TOTALS_NAME = "totals";
/** Accepted hits kept per key: the log never needs more than the limit, this bounds a misconfiguration. */
const MAX_LOGGED_HITS = 10_000;

/** Numbered migrations (storage/do-migrations.ts); append, never edit one that has shipped. */
export const LIMITER_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		// IF NOT EXISTS: adopts the tables of a limiter written before versions were recorded.
		name: "initial schema (adopts databases from before versions)",
		up: [
			"CREATE TABLE IF NOT EXISTS hits (at_ms REAL NOT NULL)",
			"CREATE INDEX IF NOT EXISTS hits_at ON hits (at_ms)",
			"CREATE TABLE IF NOT EXISTS totals (reason TEXT PRIMARY KEY, n INTEGER NOT NULL)",
		],
	},
	{
		version: 2,
		name: "a token bucket (session creation per client key)",
		up: [
			"CREATE TABLE bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, updated_ms REAL NOT NULL)",
		],
	},
];

/** A take from a limiter's token bucket, with the tokens the bucket was left with. */
export type TokenTake = Decision & { tokensLeft: number };

export class RateLimiterObject extends DurableObject {
	private readonly sql: SqlStorage;
	/** False once the alarm has deleted the storage: the next call migrates it again. */
	private migrated = false;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => this.ensureSchema());
	}

	private ensureSchema(): void {
		if (this.migrated) return;
		migrate(this.ctx.storage, LIMITER_MIGRATIONS, "RateLimiterObject");
		this.migrated = true;
	}

	/**
	 * The alarm for when what this write left is forgotten, `afterMs` from now. Each write's
	 * moment is at least the previous one's (a later hit leaves the window later; a take leaves
	 * the bucket emptier or as empty), so it replaces the one set.
	 * `requestClock`: the write's time came from the request (RATE_LIMIT_CLOCK=request, tests
	 * only). The alarm runs on the runtime's clock, which does not move with the request's: a
	 * window of real time would forget hits the request clock still counts. So no alarm then, and
	 * none left from an earlier write; the rows stay, and each take prunes its own by the request's
	 * time (docs/decisions/144-reset-generations-late-counters-and-the-limiters-clock.md).
	 */
	private forgetAfter(afterMs: number, requestClock: boolean): void {
		if (requestClock) {
			void this.ctx.storage.deleteAlarm();
			return;
		}
		void this.ctx.storage.setAlarm(Date.now() + Math.max(0, Math.ceil(afterMs)));
	}

	/**
	 * Nothing here is worth keeping any longer (forgetAfter): delete the storage, whose rows would
	 * otherwise stay for good. The tallies' object keeps its tallies and only drops the rest.
	 */
	override async alarm(): Promise<void> {
		this.ensureSchema();
		if (this.sql.exec("SELECT 1 FROM totals LIMIT 1").toArray().length > 0) {
			this.sql.exec("DELETE FROM hits");
			this.sql.exec("DELETE FROM bucket");
			return;
		}
		await this.ctx.storage.deleteAll();
		this.migrated = false;
	}

	/**
	 * A sliding log of accepted hits, durable so an evicted object still
	 * remembers: exact "at most `limit` per `windowMs`". Refusals are not logged.
	 * `nowMs` only from a request that names its time (RATE_LIMIT_CLOCK=request).
	 */
	take(limit: number, windowMs: number, nowMs?: number): Decision {
		this.ensureSchema();
		const now = nowMs ?? Date.now();
		this.sql.exec("DELETE FROM hits WHERE at_ms <= ?", now - windowMs);
		const hits = this.sql
			.exec<{ at_ms: number }>("SELECT at_ms FROM hits ORDER BY at_ms")
			.toArray()
			.map((r) => r.at_ms);
		if (hits.length < Math.min(limit, MAX_LOGGED_HITS)) {
			this.sql.exec("INSERT INTO hits (at_ms) VALUES (?)", now);
			this.forgetAfter(windowMs, nowMs !== undefined);
			return { ok: true };
		}
		// One more fits once the hit that would make room leaves the window.
		const freeing = hits[hits.length - limit];
		return { ok: false, retryAfterMs: freeing === undefined ? windowMs : freeing + windowMs - now };
	}

	/**
	 * A token bucket, durable: `limit` at most at once, refilled at `limit` per `windowMs` — the
	 * shape of the isolates' session buckets (src/ratelimit/edge-counters.ts), counted once for
	 * every isolate. `nowMs` only from a request that names its time (RATE_LIMIT_CLOCK=request).
	 * `atMostTokens`: the bucket keeps no more than this after the take — the level the same
	 * client's bucket of the day before was left at, in the first window after midnight
	 * (worker/middleware/limiter-limits.ts `takeAcrossMidnight`), so today's bucket goes on from
	 * yesterday's instead of starting full and is exact alone once that window has passed.
	 */
	takeToken(limit: number, windowMs: number, nowMs?: number, atMostTokens?: number): TokenTake {
		this.ensureSchema();
		const now = nowMs ?? Date.now();
		const row = this.sql
			.exec<{ tokens: number; updated_ms: number }>("SELECT tokens, updated_ms FROM bucket")
			.toArray()[0];
		const bucket =
			row === undefined
				? new TokenBucket(limit, now)
				: TokenBucket.restored(row.tokens, row.updated_ms);
		const decision = bucket.take(now, limit, windowMs);
		const state = bucket.state();
		const { updatedAtMs } = state;
		const tokens =
			atMostTokens !== undefined && Number.isFinite(atMostTokens)
				? Math.max(0, Math.min(state.tokens, atMostTokens))
				: state.tokens;
		this.sql.exec(
			"INSERT INTO bucket (id, tokens, updated_ms) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms",
			tokens,
			updatedAtMs,
		);
		// Full again once the missing tokens have refilled, at `limit` per `windowMs`.
		if (limit > 0)
			this.forgetAfter(
				((limit - tokens) * windowMs) / limit + (updatedAtMs - now),
				nowMs !== undefined,
			);
		return { ...decision, tokensLeft: tokens };
	}

	record(counts: Record<string, number>): void {
		this.ensureSchema();
		for (const [reason, n] of Object.entries(counts)) {
			if (!Number.isSafeInteger(n) || n <= 0) continue;
			this.sql.exec(
				"INSERT INTO totals (reason, n) VALUES (?, ?) ON CONFLICT (reason) DO UPDATE SET n = n + excluded.n",
				reason,
				n,
			);
		}
	}

	totals(): Record<string, number> {
		this.ensureSchema();
		const out: Record<string, number> = {};
		for (const row of this.sql.exec<{ reason: string; n: number }>(
			"SELECT reason, n FROM totals ORDER BY reason",
		)) {
			out[row.reason] = row.n;
		}
		return out;
	}
}
