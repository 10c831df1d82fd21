// One Durable Object per SKU: the single serialisation point of its stock
// (seeds 000/001). Decisions happen in memory on the domain model and are
// written to the object's SQLite in the same synchronous turn — writes without
// an `await` between them are one implicit transaction, and the output gate
// holds every answer until that transaction is durable (design.md invariant 3).

import { DurableObject } from "cloudflare:workers";
import { type Hold, Inventory, type ProductConfig } from "../domain/inventory.ts";
import { MAX_RESERVE_BATCH, OUTBOX_RETRY_MS } from "../domain/limits.ts";
import type { ReserveLimits } from "../limits/config.ts";
import { REJECTION_KEY, ReserveGuard, type ReserveRefusal } from "../limits/guard.ts";
import type { SqlRows } from "../worker/cost/meter.ts";
import { RowMeter } from "../worker/cost/rows.ts";
import type { Env } from "../worker/env.ts";
import { CheckoutSaga } from "./checkout.ts";
import { orderProjection } from "./checkout-store.ts";
import { toAuditEvent, toAvailability, toProduct, toReservation } from "./codec.ts";
import { LiveFeed } from "./live.ts";
import { Outbox } from "./outbox.ts";
import {
	loadState,
	readStoredHold,
	storedOutcome,
	storeOutcome,
	unitsFromRecords,
	writeHold,
} from "./records.ts";
import type {
	CancelResult,
	CheckoutRequest,
	CheckoutResult,
	CreateResult,
	OrderResult,
	ReservationResult,
	ReserveRequest,
	ReserveResult,
	StatsResult,
	UpdateResult,
} from "./rpc.ts";
import { hasSchema, SCHEMA } from "./schema.ts";

export class InventoryObject extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	/** Counts the SQLite rows every statement touches, for the cost ledger (reserveMetered). */
	private readonly rows = new RowMeter();
	private inv: Inventory | null = null;
	private seq = 0;
	/** The snapshot last written to `state`, so an unchanged one is not written again. */
	private savedSnapshot = "";
	private alarmAtMs: number | null = null;
	private readonly outbox: Outbox;
	private readonly live: LiveFeed;
	private readonly saga: CheckoutSaga;
	/** Per-session reserve limits and bot signals (limits/guard.ts): memory only, exact for this SKU. */
	private readonly guard = new ReserveGuard();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = this.rows.wrap(ctx.storage.sql);
		this.outbox = new Outbox(
			this.sql,
			env.DB,
			(error) => {
				console.warn("outbox flush failed, retrying from the alarm", String(error));
				this.scheduleAlarm(Date.now() + OUTBOX_RETRY_MS);
			},
			orderProjection(env.DB),
		);
		this.saga = new CheckoutSaga(this.sql, env, {
			inventory: () => this.inv,
			hold: (id) => this.readHold(id),
			persist: () => this.persist(),
			wake: (atMs) => this.scheduleAlarm(atMs),
		});
		this.live = new LiveFeed(ctx, () => this.availabilityNow());
		// The in-memory model is a cache of the durable one, rebuilt here (design.md).
		ctx.blockConcurrencyWhile(async () => {
			this.load();
			this.alarmAtMs = await ctx.storage.getAlarm();
		});
	}

	// ---- RPC: operator ----

	create(product: ProductConfig): CreateResult {
		if (this.inv !== null) return { ok: false, code: "already_exists" };
		for (const statement of SCHEMA) this.sql.exec(statement);
		const now = Date.now();
		this.inv = Inventory.create(product, now);
		this.sql.exec(
			"INSERT INTO state (id, snapshot, seq) VALUES (1, ?, 0)",
			JSON.stringify(this.inv.snapshot()),
		);
		this.persist();
		return { ok: true, product: toProduct(this.inv, now) };
	}

	update(patch: Partial<Omit<ProductConfig, "sku">>): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = this.tick();
		if (!inv.update(patch, now).ok) return { ok: false, code: "invalid_state" };
		this.persist();
		return { ok: true, product: toProduct(inv, now) };
	}

	reset(): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = Date.now();
		inv.reset(now);
		this.saga.reset(now);
		this.sql.exec("DELETE FROM holds");
		this.sql.exec("DELETE FROM idempotency");
		this.persist();
		return { ok: true, product: toProduct(inv, now) };
	}

	/** Counters computed from the hold records themselves, never from the cached counters. */
	stats(): StatsResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		this.tick();
		const { reserved, sold } = unitsFromRecords(this.sql);
		const total = inv.product.totalStock;
		return {
			ok: true,
			stats: {
				sku: inv.product.sku,
				total,
				available: total - reserved - sold,
				reserved,
				sold,
				oversellCount: Math.max(0, sold + reserved - total),
				attempts: inv.attempts,
				rejected: { ...inv.rejected },
			},
		};
	}

	/** Copies the outbox to D1 now; true when nothing is left pending. */
	async flushEvents(): Promise<boolean> {
		if (this.inv === null) return true;
		return this.outbox.flush();
	}

	// ---- RPC: public ----

	/** `readerSessionId`: a buyer's session read the product (a bot signal's "prior read"). */
	product(readerSessionId?: string): ReturnType<typeof toProduct> | null {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.guard.markRead(readerSessionId);
		return toProduct(this.inv, this.tick());
	}

	availability(readerSessionId?: string): ReturnType<typeof toAvailability> | null {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.guard.markRead(readerSessionId);
		return toAvailability(this.inv, this.tick());
	}

	/**
	 * The reserve limit alone, for attempts decided elsewhere (the demo's eventual
	 * mode): null when admitted; a refusal is counted in this SKU's stats.
	 */
	admit(sessionId: string, arrivedAtMs: number, limits: ReserveLimits): ReserveRefusal | null {
		const inv = this.inv;
		if (inv === null) return null;
		const verdict = this.guard.attempt(sessionId, arrivedAtMs, Date.now(), limits);
		if (verdict.ok) return null;
		inv.reject(REJECTION_KEY[verdict.tier]);
		this.persist();
		return verdict;
	}

	/** Refusals decided at the edge (per-IP limits, reset), merged into this SKU's stats by reason. */
	recordRejections(counts: Record<string, number>): void {
		const inv = this.inv;
		if (inv === null) return;
		for (const [reason, n] of Object.entries(counts)) {
			if (Number.isSafeInteger(n) && n > 0) inv.rejected[reason] = (inv.rejected[reason] ?? 0) + n;
		}
		this.persist();
	}

	// ---- RPC: buyer ----

	/**
	 * reserve() plus the rows its own turn touched, so the cost ledger bills
	 * measured rows (the cold path's outbox and alarm rows are shared by all
	 * traffic and billed to no single request). The Worker's metered
	 * binding calls this in place of reserve (worker/cost/bindings.ts); the
	 * plain reserve keeps its answer shape for every other caller.
	 */
	reserveMetered(...args: Parameters<InventoryObject["reserve"]>): {
		results: ReserveResult[];
		sqlRows: SqlRows;
	} {
		this.rows.take(); // earlier calls' and background rows are not this decision's
		const results = this.reserve(...args);
		return { results, sqlRows: this.rows.take() };
	}

	/**
	 * The batch entry point: one result per attempt, in order (design.md). All
	 * attempts are decided in one synchronous turn and stored in one transaction,
	 * so a batch costs one durable commit however many attempts it carries.
	 * `limits` (null: RATE_LIMITS=off) come from the Worker's configuration.
	 */
	reserve(attempts: ReserveRequest[], limits: ReserveLimits | null = null): ReserveResult[] {
		const inv = this.inv;
		if (inv === null) return attempts.map(() => ({ ok: false, code: "unknown_sku" }));
		if (attempts.length > MAX_RESERVE_BATCH) {
			throw new RangeError(`at most ${MAX_RESERVE_BATCH} attempts per batch`);
		}
		const now = this.tick();
		const results: ReserveResult[] = [];
		for (const a of attempts) {
			if (limits !== null) {
				const verdict = this.guard.attempt(a.sessionId, a.arrivedAtMs ?? now, now, limits);
				if (!verdict.ok) {
					inv.attempts += 1;
					inv.reject(REJECTION_KEY[verdict.tier]);
					results.push({ ok: false, code: "rate_limited", refusal: verdict });
					continue;
				}
			}
			if (a.idempotencyKey !== null) {
				const stored = storedOutcome(this.sql, a.sessionId, a.idempotencyKey);
				if (stored !== null) {
					results.push({ ...stored, replayed: true });
					continue;
				}
			}
			const outcome = inv.reserve({
				id: a.id,
				sessionId: a.sessionId,
				quantity: a.quantity,
				idempotencyKey: a.idempotencyKey,
				nowMs: now,
			});
			const result: ReserveResult = outcome.ok
				? { ok: true, reservation: toReservation(inv.product.sku, outcome.hold, now) }
				: { ok: false, code: outcome.code };
			if (a.idempotencyKey !== null) storeOutcome(this.sql, a.sessionId, a.idempotencyKey, result);
			results.push(result);
		}
		this.persist();
		return results;
	}

	reservation(id: string, sessionId: string): ReservationResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "not_found" };
		const now = this.tick();
		const hold = this.readHold(id);
		if (hold === null || hold.sessionId !== sessionId) return { ok: false, code: "not_found" };
		return { ok: true, reservation: toReservation(inv.product.sku, hold, now) };
	}

	cancel(id: string, sessionId: string): CancelResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "not_found" };
		const now = this.tick();
		const hold = this.readHold(id);
		if (hold === null || hold.sessionId !== sessionId) return { ok: false, code: "not_found" };
		const outcome = inv.cancel(hold, now);
		if (!outcome.ok)
			return {
				ok: false,
				code: outcome.code,
				reservation: toReservation(inv.product.sku, hold, now),
			};
		this.persist();
		return { ok: true, reservation: toReservation(inv.product.sku, outcome.hold, now) };
	}

	/** The payment saga (inventory/checkout.ts); resolves once the hold is PAID or released. */
	async checkout(req: CheckoutRequest): Promise<CheckoutResult> {
		if (this.inv === null)
			return {
				ok: false,
				code: "not_found",
				message: "No reservation of this session has that id.",
			};
		return this.saga.checkout(req, this.tick());
	}

	order(orderId: string, sessionId: string): OrderResult {
		if (this.inv === null) return { ok: false, code: "not_found" };
		return this.saga.order(orderId, sessionId);
	}

	// ---- WebSocket (hibernation API) ----

	override async fetch(request: Request): Promise<Response> {
		if (this.inv === null) return new Response("unknown sku", { status: 404 });
		return this.live.accept(request);
	}

	override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
		this.live.message(ws, message);
	}

	override webSocketClose(ws: WebSocket, code: number): void {
		this.live.close(ws, code);
	}

	// ---- Alarm: expiry, checkout sagas, outbox retry ----

	override async alarm(): Promise<void> {
		this.alarmAtMs = null;
		if (this.inv === null) return;
		this.tick();
		await this.saga.resume();
		await this.outbox.flush();
		this.scheduleNextDeadline();
	}

	// ---- internals ----

	/** Lazy expiry before every decision and read: a late alarm never shows a stale hold. */
	private tick(): number {
		const now = Date.now();
		if (this.inv !== null && this.inv.expireDue(now) > 0) this.persist();
		return now;
	}

	private readHold(id: string): Hold | null {
		const active = this.inv?.activeHold(id);
		if (active !== undefined) return active;
		return readStoredHold(this.sql, id);
	}

	/** Writes what the model changed, in the caller's synchronous turn (one transaction). */
	private persist(): void {
		const inv = this.inv;
		if (inv === null) return;
		const { holds, events } = inv.drain();
		const snapshot = JSON.stringify(inv.snapshot());
		if (holds.length === 0 && events.length === 0) {
			// A rejected attempt changes only the stats counters; they must survive a restart too.
			if (snapshot !== this.savedSnapshot) {
				this.sql.exec("UPDATE state SET snapshot = ? WHERE id = 1", snapshot);
				this.savedSnapshot = snapshot;
			}
			return;
		}
		for (const hold of holds) writeHold(this.sql, hold);
		for (const event of events) {
			this.seq += 1;
			this.outbox.append(toAuditEvent(inv.product.sku, this.seq, event));
		}
		this.sql.exec("UPDATE state SET snapshot = ?, seq = ? WHERE id = 1", snapshot, this.seq);
		this.savedSnapshot = snapshot;
		this.outbox.schedule();
		this.scheduleNextDeadline();
		this.live.changed();
	}

	private scheduleNextDeadline(): void {
		const hold = this.inv?.nextDeadlineMs() ?? null;
		const saga = this.saga.nextWakeMs();
		const next = hold === null ? saga : saga === null ? hold : Math.min(hold, saga);
		if (next !== null) this.scheduleAlarm(next);
		else if (this.outbox.pending() > 0) this.scheduleAlarm(Date.now() + OUTBOX_RETRY_MS);
	}

	/** Moves the alarm earlier only: one alarm serves every deadline. */
	private scheduleAlarm(atMs: number): void {
		if (this.alarmAtMs !== null && this.alarmAtMs <= atMs) return;
		this.alarmAtMs = atMs;
		void this.ctx.storage.setAlarm(atMs);
	}

	private availabilityNow() {
		return this.inv === null ? null : toAvailability(this.inv, Date.now());
	}

	private load(): void {
		if (!hasSchema(this.sql)) return;
		// Objects created before a table was added get it here (every statement is IF NOT EXISTS).
		for (const statement of SCHEMA) this.sql.exec(statement);
		const state = loadState(this.sql);
		this.seq = state.seq;
		this.inv = new Inventory(state.snapshot, state.active, state.usage);
		this.saga.load();
	}
}
