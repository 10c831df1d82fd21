// One Durable Object per SKU: the single serialisation point of its stock
// (docs/architecture.md). Decisions happen in memory on the domain model and are
// written to the object's SQLite in the same synchronous turn — writes without
// an `await` between them are one implicit transaction, and the output gate
// holds every answer until that transaction is durable (docs/architecture.md, invariant 3).
//
// This file is the object's surface for the Worker: public and buyer calls, the live feed's
// WebSocket and the alarm. The operator's calls (create, PATCH, reset) are in
// sku-object-operator.ts, the calls between the objects of a split SKU in sku-object-peers.ts,
// and what the object is made of in sku-object-parts.ts.

import { MAX_QUANTITY, MAX_RESERVE_BATCH } from "../domain/bounds.ts";
import type { JoinFrom } from "../domain/waiting-room.ts";
import type { ReserveLimits } from "../ratelimit/config.ts";
import { REJECTION_KEY, type ReserveRefusal } from "../ratelimit/reserve-guard.ts";
import type { Availability, Product } from "../shared/types.ts";
import { NO_ROWS, type ReserveOp } from "./batch-decisions.ts";
import { toAvailability, toReservation } from "./codec.ts";
import { edgeSnapshot } from "./decide-group.ts";
import { eventualGate, eventualRulesOf } from "./eventual-rules.ts";
import type { MetricsResult } from "./metrics.ts";
import { holdRowsAfter } from "./records.ts";
import {
	type CancelResult,
	type CheckoutRequest,
	type CheckoutResult,
	type EdgeSnapshot,
	type EventualAsk,
	type EventualReadRules,
	type HoldsPageResult,
	type JoinResult,
	type OrderResult,
	type ReservationResult,
	type ReserveAnswer,
	type ReserveRequest,
	type ReserveResult,
	readEdgeCounts,
	type SessionHoldsResult,
	type StatsResult,
} from "./rpc.ts";
import { reserveSharded } from "./shard-reserve.ts";
import { SkuObjectOperator } from "./sku-object-operator.ts";
import { objectStats } from "./stats.ts";

export class InventoryObject extends SkuObjectOperator {
	/** Counters computed from the hold records themselves, never from the cached counters. */
	stats(): StatsResult | Promise<StatsResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow?.isCoordinator) return this.split.stats();
		const now = this.tick();
		return objectStats(this.statsSource(), inv, now);
	}

	/**
	 * The last `seconds` of the reserve path's history (inventory/metrics.ts); a split SKU's
	 * coordinator adds up every shard's (split-coordinator.ts metrics).
	 */
	async metrics(seconds: number): Promise<MetricsResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (!this.escrow?.isCoordinator)
			return { ok: true, metrics: this.metricsRing.read(inv.product.sku, Date.now(), seconds) };
		const own = (nowMs: number, span: number) => this.metricsRing.part(nowMs, span, false);
		return { ok: true, metrics: await this.split.metrics(inv.product.sku, seconds, own) };
	}

	/** Copies the outbox to D1 now (`ownOnly`: this object's, not its shards'); true when all went. */
	async flushEvents(ownOnly = false): Promise<boolean> {
		if (this.inv === null) return true;
		if (this.escrow?.isCoordinator && !ownOnly) return this.split.flushEvents();
		return this.outbox.flush();
	}

	/** This object's own outbox in D1, for a public read: waits for a batched flush, forces none. */
	eventsCopied(): Promise<boolean> {
		return this.inv === null ? Promise.resolve(true) : this.outbox.copied();
	}

	/**
	 * Whether a reset of this SKU is still in the outbox, not yet copied to D1: eventual mode's
	 * tables are cleared by that event's projection (inventory/projections.ts), so until it lands
	 * D1's eventual figures are the old drop's, and an allocation made meanwhile would be wiped
	 * with them (worker/eventual.ts; docs/decisions/066-eventual-reset-live-with-and-payment-methods.md).
	 * Read-only; a split SKU's reset event is the coordinator's own (its shards' are not projected).
	 */
	resetUnprojected(): boolean {
		return this.inv !== null && this.outbox.holdsReset();
	}

	/**
	 * What eventual mode needs of the SKU, in one call and without a merge (eventual-rules.ts):
	 * `holds/mine?mode=eventual` without `ask`, a reserve with it (its gates too). Null: unknown SKU.
	 */
	async eventualReadRules(ask?: EventualAsk): Promise<EventualReadRules | null> {
		const inv = this.inv;
		if (inv === null) return null;
		const rules = eventualRulesOf(inv, this.escrow?.total() ?? null, this.outbox.holdsReset());
		if (ask === undefined || rules.resetPending) return rules;
		return { ...rules, refused: await eventualGate(this, ask, this.room.info()?.enabled === true) };
	}

	// ---- RPC: public ----

	/** `readerSessionId`: a buyer's session read the product (a bot signal's "prior read"). */
	product(readerSessionId?: string): Product | null | Promise<Product | null> {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.sawRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.product();
		return this.productNow(this.inv, this.tick());
	}

	/** Objects the SKU is split across (1: one object); null for an unknown SKU (worker/known-shard.ts). */
	shardCount(): number | null {
		return this.inv === null ? null : (this.escrow?.shards ?? 1);
	}

	availability(readerSessionId?: string): Availability | null | Promise<Availability | null> {
		if (this.inv === null) return null;
		if (readerSessionId !== undefined) this.sawRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.merge();
		return toAvailability(this.inv, this.tick());
	}

	/** The SKU's state for the edge's copy (worker/edge-snapshot.ts); null for an unknown SKU. */
	snapshot(readerSessionId?: string): EdgeSnapshot | null | Promise<EdgeSnapshot | null> {
		const inv = this.inv;
		if (inv === null) return null;
		if (readerSessionId !== undefined) this.sawRead(readerSessionId);
		if (this.escrow?.isCoordinator) return this.split.snapshot(inv);
		return edgeSnapshot(inv, this.room, this.tick());
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
		this.metricsRing.refusal(REJECTION_KEY[verdict.tier], Date.now());
		this.state.countersSoon();
		return verdict;
	}

	/** Refusals decided at the edge (per-IP limits, reset), merged into this SKU's stats by reason. */
	recordRejections(counts: Record<string, number>): void {
		const inv = this.inv;
		if (inv === null) return;
		const edge = readEdgeCounts(counts);
		this.metricsRing.edge(edge, Date.now());
		// Attempts the edge answered from its copy (worker/edge-snapshot.ts); latency buckets
		// feed the metrics only, not the stats.
		inv.attempts += edge.answered;
		this.state.counts.edgeAnswered += edge.answered;
		for (const [reason, n] of Object.entries(edge.rejected)) {
			inv.rejected[reason] = (inv.rejected[reason] ?? 0) + n;
		}
		this.state.countersSoon();
	}

	// ---- RPC: buyer ----

	/**
	 * The session's waiting-room ticket, taken now if it has none (one per session):
	 * joins the next group commit, like reserves, so a burst of joins shares commits.
	 * `priorRead`: the edge saw the session read the product (as a reserve attempt's).
	 */
	async joinQueue(
		sessionId: string,
		ticketId: string,
		priorRead = false,
		from?: JoinFrom,
	): Promise<JoinResult> {
		if (this.inv === null) return { ok: false, code: "unknown_sku" };
		const joined = (await this.group.submit({
			kind: "join",
			sessionId,
			ticketId,
			priorRead,
			...(from === undefined ? {} : { from }),
		})) as JoinResult;
		// Stats and metrics (docs/api.md, `addressRefusals`), never as a reserve attempt.
		if (!joined.ok && joined.code === "address_full") this.addressRefused("roomJoin");
		// A split SKU: a session told it is admitted finds its shard knowing it (inventory/room-shards.ts).
		await this.roomLink?.shardKnows(sessionId, joined);
		return joined;
	}

	/**
	 * The session's ticket as it stands now; null without one (or without a room). `priorRead`: the
	 * edge saw the session read the product, as with a join: a ticket taken unread counts as read
	 * from now (docs/decisions/142-a-read-after-the-join.md).
	 */
	async queueTicket(
		sessionId: string,
		priorRead = false,
	): Promise<JoinResult | { ok: false; code: "not_found" }> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (priorRead) this.sawRead(sessionId);
		const now = this.tick();
		const ticket = this.room.ticket(inv.product.sku, sessionId, now);
		if (ticket === null) return { ok: false, code: "not_found" };
		const answer = { ok: true, ticket, created: false } as const;
		await this.roomLink?.shardKnows(sessionId, answer);
		return answer;
	}

	/**
	 * The batch entry point: one result per attempt, in order (docs/architecture.md).
	 * `limits` (null: RATE_LIMITS=off) come from the Worker's configuration.
	 */
	reserve(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null = null,
	): Promise<ReserveResult[]> {
		return this.reserveWithMeta(attempts, limits).then((answer) => answer.results);
	}

	/**
	 * reserve() plus what the edge needs besides the results: the SQLite rows the decision cost
	 * (for the cost ledger) and the SKU's state right after it (the edge's snapshot,
	 * worker/edge-snapshot.ts). The call joins the next group commit; its promise resolves once
	 * the batch is decided, and the output gate releases the answer once the batch is durable.
	 */
	reserveWithMeta(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null = null,
	): Promise<ReserveAnswer> {
		const turn = this.gate?.pass() ?? null;
		if (turn !== null) return turn.then(() => this.reserveNow(attempts, limits));
		return this.reserveNow(attempts, limits);
	}

	private reserveNow(
		attempts: ReserveRequest[],
		limits: ReserveLimits | null,
	): Promise<ReserveAnswer> {
		if (attempts.length > MAX_RESERVE_BATCH) {
			throw new RangeError(`at most ${MAX_RESERVE_BATCH} attempts per batch`);
		}
		// A bad attempt is the caller's bug: refused here, alone, before it could fail a whole group.
		for (const a of attempts) {
			if (!Number.isInteger(a.quantity) || a.quantity < 1 || a.quantity > MAX_QUANTITY) {
				throw new RangeError(`quantity must be an integer 1..${MAX_QUANTITY}, got ${a.quantity}`);
			}
		}
		if (this.inv === null) {
			return Promise.resolve({
				results: attempts.map(() => ({ ok: false, code: "unknown_sku" })),
				sqlRows: { ...NO_ROWS },
				snapshot: null,
			});
		}
		if (this.escrow !== null) {
			const host = {
				roomLink: this.roomLink,
				room: this.room,
				inventory: () => this.inv,
				submit: (op: ReserveOp) => this.group.submit(op) as Promise<ReserveAnswer>,
			};
			return reserveSharded(host, this.escrow, attempts, limits);
		}
		return this.group.submit({ kind: "reserve", attempts, limits }) as Promise<ReserveAnswer>;
	}

	reservation(id: string, sessionId: string): ReservationResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "not_found" };
		const now = this.tick();
		const hold = this.readHold(id);
		if (hold === null || hold.sessionId !== sessionId) return { ok: false, code: "not_found" };
		return { ok: true, reservation: toReservation(inv.product.sku, hold, now) };
	}

	/**
	 * The session's holds that still stand here and its count for the limit, after lazy expiry:
	 * from the model's per-session entry, no storage read (domain/session-standing.ts). A split
	 * SKU's session is read where its reserves are decided, its own shard (escrow.owns), which
	 * holds all of them: another object answers `misrouted` with the shard count, as a reserve.
	 */
	sessionHolds(sessionId: string): SessionHoldsResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow !== null && !this.escrow.owns(sessionId))
			return { ok: false, code: "misrouted", shards: this.escrow.shards };
		const now = this.tick();
		// Oldest first: a reload rebuilds the entry in the index's order, not the holds' own.
		const holds = [...inv.liveHoldsOf(sessionId)].sort(
			(a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1),
		);
		// A cool-down that runs now (domain/hold-cooldown.ts): when its reserves are taken again.
		const cooldown = inv.cooldownOf(sessionId, now);
		return {
			ok: true,
			holds: holds.map((h) => toReservation(inv.product.sku, h, now)),
			usedUnits: inv.usageOf(sessionId),
			perUserLimit: inv.product.perUserLimit,
			coolDownUntil:
				cooldown.kind === "cooling" ? new Date(cooldown.retryAtMs).toISOString() : null,
		};
	}

	/**
	 * The operator's page of this object's holds (a shard's own, on a split SKU), in the order
	 * they were written: after lazy expiry, each as its owner's read shows it, a live one from
	 * the model, with its order when it is paid (docs/api.md, "Reading a drop's holds").
	 */
	holdsPage(afterRow: number, limit: number): HoldsPageResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = this.tick();
		const rows = holdRowsAfter(this.sql, afterRow, limit + 1);
		const more = rows.length > limit;
		const page = rows.slice(0, limit);
		const holds = page.map(({ hold: stored }) => {
			const hold = inv.activeHold(stored.id) ?? stored;
			const order = hold.orderId === null ? null : this.saga.order(hold.orderId, hold.sessionId);
			return {
				...toReservation(inv.product.sku, hold, now),
				order: order?.ok ? order.order : null,
			};
		});
		return { ok: true, holds, lastRow: page.at(-1)?.row ?? afterRow, more };
	}

	/** Joins the next group commit, in arrival order with the reserve attempts around it. */
	cancel(id: string, sessionId: string): Promise<CancelResult> {
		if (this.inv === null) return Promise.resolve({ ok: false, code: "not_found" });
		return this.group.submit({ kind: "cancel", id, sessionId }) as Promise<CancelResult>;
	}

	/**
	 * The payment saga (inventory/checkout-driver.ts); resolves once the hold is PAID or
	 * released. Joins the saga's next batch: concurrent checkouts share commits.
	 */
	async checkout(req: CheckoutRequest): Promise<CheckoutResult> {
		if (this.inv === null)
			return {
				ok: false,
				code: "not_found",
				message: "No reservation of this session has that id.",
			};
		return this.saga.checkout(req);
	}

	order(orderId: string, sessionId: string): OrderResult {
		if (this.inv === null) return { ok: false, code: "not_found" };
		return this.saga.order(orderId, sessionId);
	}

	// ---- WebSocket (hibernation API) ----

	override async fetch(request: Request): Promise<Response> {
		if (this.inv === null) return new Response("unknown sku", { status: 404 });
		if (this.escrow?.isCoordinator) {
			// A split SKU's feed shows the whole SKU: merged now, then polled while anyone watches.
			await this.split.merge();
			const response = this.live.accept(request);
			this.livePoll.start();
			return response;
		}
		return this.live.accept(request);
	}

	override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
		// A split SKU's viewer heard from: merges at the feed's pace again (inventory/live-poll.ts).
		if (this.live.message(ws, message) && this.escrow?.isCoordinator) this.livePoll.start();
	}

	override webSocketClose(ws: WebSocket, code: number): void {
		this.live.close(ws, code);
	}

	// ---- Alarm: expiry, checkout sagas, outbox retry, ended idempotency records, a sandbox's end ----

	override alarm(): Promise<void> {
		return this.alarmRun();
	}

	/**
	 * The session read the product (a bot signal's "prior read", decision 095), and a waiting ticket
	 * it took unread counts as read from now (decision 142): memory only, the ticket's row rides the
	 * room's next write (inventory/waiting-room.ts RoomKeeper.read).
	 */
	private sawRead(sessionId: string): void {
		this.guard.markRead(sessionId);
		this.room.read(sessionId);
	}
}
