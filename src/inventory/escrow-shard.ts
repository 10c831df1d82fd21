// The shard side of the escrow of a SKU split across shards
// (docs/decisions/020-escrow-shards.md; the protocol is src/domain/escrow.ts): what
// every object of a split SKU does with its own allotment — shard 0, the
// coordinator, too. The coordinator's pool is inventory/escrow.ts. An object of a
// SKU created with one shard has no escrow row and never reaches this file: its hot
// path is exactly the single-object one.
//
// Every step of a transfer is one synchronous block — ledger row, allotment
// (the Inventory's totalStock), audit event and state row — so one implicit
// transaction. Each side re-sends its own pending transfers from its alarm
// until the other side has applied them; applying is idempotent by number.

import {
	chunkSize,
	EXHAUSTED_MEMO_MS,
	lowWater,
	type PoolLedger,
	type ShardLedger,
	shardOf,
	type Transfer,
} from "../domain/escrow.ts";
import type { Inventory, ProductConfig } from "../domain/inventory.ts";
import { type Fields, replaceInPlace } from "../shared/replace-in-place.ts";
import { CutPledge } from "./cut-pledge.ts";
import { WaitingLine } from "./escrow-line.ts";
import type { RoomLedger, ShardRoomState } from "./room-shard-protocol.ts";
import { SessionClaims } from "./session-claims.ts";
import type { ResetLedger, ResetPeer } from "./shard-reset-protocol.ts";
import type { SettingsLedger, SettingsPeer } from "./shard-settings-protocol.ts";

/**
 * Grant requests one reserve call may wait for before it is decided with what
 * the shard has. Each round either brings what the calls waiting when it was
 * sent were short of, as much as the SKU has (a call waits in line: one that came
 * later never takes units an earlier one waits for), or ends in the sold-out memo;
 * a background request from the pool may be one more
 * (docs/decisions/167-sold-out-means-none-anywhere.md).
 */
export const MAX_REFILL_ROUNDS = 4;
/** How soon a side re-sends a transfer the other side has not confirmed (after a failed call or a restart). */
export const ESCROW_RETRY_MS = 1000;

/** What one escrow row holds: the shard's channel and, in the coordinator (shard 0), the pool. */
export interface EscrowLedger {
	sku: string;
	shard: ShardLedger;
	pool: PoolLedger | null;
	/** A split SKU's waiting room as this side knows it (inventory/room-shard-gate.ts); absent: never had one. */
	room?: RoomLedger;
	/** The product's settings' version (inventory/shard-settings.ts); absent: none changed since create. */
	settings?: SettingsLedger;
	/** The reset generation (inventory/shard-resets.ts); absent: never reset since this code. */
	reset?: ResetLedger;
}

/** The calls one SKU object makes on another (the RPC methods of InventoryObject). */
export interface EscrowPeer extends SettingsPeer, ResetPeer {
	escrowApplyGrants(
		product: ProductConfig,
		index: number,
		shards: number,
		transfers: Transfer[],
		room: ShardRoomState | null,
	): Promise<number>;
	escrowGiveBack(ask: "half" | "all" | "none"): Promise<Transfer[]>;
	escrowAckReturns(lastReturn: number): Promise<void>;
	/** `needed`: what the asker's waiting calls lack (a fold back brings at most that); `units` by default. */
	escrowRequestGrant(
		index: number,
		units: number,
		mayFoldBack: boolean,
		needed?: number,
	): Promise<number>;
	escrowReceiveReturns(index: number, transfers: Transfer[]): Promise<number>;
	/** In the coordinator: units available outside shard `index` (the pool first). */
	escrowStockElsewhere(index: number, units: number): Promise<number>;
	/** In a shard: its available units now. */
	escrowAvailable(): Promise<number>;
	/** In a shard: its units a cut may take, kept from its buyers until the cut ends (cut-pledge.ts). */
	escrowPledgeForCut(): Promise<number>;
	/** In a shard: the cut was refused, its buyers may have the pledged units again. */
	escrowReleasePledge(): Promise<void>;
	/** In a shard: the SKU's total was raised; a "nothing left" heard before it no longer holds. */
	escrowForgetSoldOut(): Promise<void>;
}

export interface EscrowHost {
	sql: SqlStorage;
	inventory(): Inventory | null;
	/** Writes the model's changes (events, state row) in the caller's synchronous turn. */
	persist(): void;
	/** Sets the object's alarm no later than `atMs`. */
	wake(atMs: number): void;
	/** The object holding shard `index` of this SKU. */
	peer(index: number): EscrowPeer;
}

/** The escrow row (migration 3, inventory/schema.ts); null for a SKU in one object. */
export function readEscrow(sql: SqlStorage): EscrowLedger | null {
	const row = sql.exec<{ ledger: string }>("SELECT ledger FROM escrow WHERE id = 1").toArray()[0];
	return row === undefined ? null : (JSON.parse(row.ledger) as EscrowLedger);
}

/** One object's allotment: its reserve path and its side of the channel with the coordinator. */
export class ShardEscrow {
	/** Units of reserve calls admitted to the group commit and not decided yet. */
	private queuedUnits = 0;
	/** Reserve calls waiting for a grant before they are admitted, in the order they came. */
	protected readonly line = new WaitingLine();
	/** Units of the waiting calls (read by tests). */
	get waitingUnits(): number {
		return this.line.units;
	}
	/** The same calls' claims per session, so a session's concurrent calls claim at most its limit (shard-reserve.ts). */
	readonly sessionClaims = new SessionClaims();
	private refilling: Promise<void> | null = null;
	/** Until then the coordinator's last answer was "nothing left": sold_out without asking. */
	protected exhaustedUntilMs = 0;
	/**
	 * The coordinator's last count of units outside this shard (stockElsewhere), and until when
	 * it holds: at-limit attempts within EXHAUSTED_MEMO_MS are answered from it, not by a count
	 * that reads every shard (docs/decisions/092-review-11-leftovers.md).
	 */
	private elsewhereMemo = { units: 0, untilMs: 0 };
	/** The count in flight, shared by the calls that arrive while it is (as a refill is). */
	private counting: { units: number; answer: Promise<number> } | null = null;
	/**
	 * Bumped by forgetSoldOut (a raise of the total): a count or grant request asked before it may
	 * be answered "nothing" from before the raise, and then sets neither memo
	 * (docs/decisions/189-review-37s-findings.md §2).
	 */
	private soldOutEpoch = 0;
	/** The units counted for a cut of totalStock in flight (pledgeForCut). */
	protected readonly pledge = new CutPledge();

	constructor(
		protected readonly host: EscrowHost,
		readonly ledger: EscrowLedger,
	) {}

	get index(): number {
		return this.ledger.shard.index;
	}
	get shards(): number {
		return this.ledger.shard.shards;
	}
	get isCoordinator(): boolean {
		return this.ledger.pool !== null;
	}

	/**
	 * After a rolled-back batch or step (sku-object-parts.ts reload): the ledger as storage has it,
	 * written into the objects already here, so the calls in flight that hold them (a cut's pool
	 * across its awaits), the move gate and the waiting line go on with this one escrow
	 * (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md).
	 */
	reloaded(stored: EscrowLedger): void {
		replaceInPlace(this.ledger as unknown as Fields, stored as unknown as Fields);
	}

	save(): void {
		this.host.sql.exec(
			"INSERT OR REPLACE INTO escrow (id, ledger) VALUES (1, ?)",
			JSON.stringify(this.ledger),
		);
	}

	/**
	 * How much longer, ms, the coordinator's last answer "nothing left anywhere" (after
	 * folding back) holds; 0 when it no longer does. While it holds, a sold_out from this
	 * shard is the SKU's, and the edge may repeat it for the rest of that time without a
	 * call (worker/edge-snapshot.ts).
	 */
	soldOutMemoLeftMs(nowMs: number): number {
		return Math.max(0, this.exhaustedUntilMs - nowMs);
	}

	/**
	 * The SKU's total was raised (escrow.ts changeTotal; the coordinator's own at once, every other
	 * shard's before the PATCH is answered): the coordinator's "nothing left" and its last count
	 * of units elsewhere no longer hold. A count in flight is no longer shared with later calls,
	 * and no answer to a count or grant request asked before now sets a memo.
	 */
	forgetSoldOut(): void {
		this.soldOutEpoch += 1;
		this.exhaustedUntilMs = 0;
		this.elsewhereMemo = { units: 0, untilMs: 0 };
		this.counting = null;
	}

	/** Whether this shard decides the session's attempts (else the edge must call the right one). */
	owns(sessionId: string): boolean {
		return shardOf(sessionId, this.shards) === this.index;
	}

	// ---- the reserve path of a shard ----

	/**
	 * Before a reserve call joins the group commit: a shard that cannot cover it
	 * asks the coordinator first (it never answers sold_out while the pool or
	 * another shard has a unit, moving units aside); then the call is admitted.
	 * `units`: what its attempts may take (not those of a session its purchase limit
	 * refuses: they take none, shard-reserve.ts), kept from a fold-back until `decided(units)`.
	 */
	async admit(units: number): Promise<void> {
		const inv = this.host.inventory();
		if (units === 0 || inv === null || (this.line.empty && this.free(inv) >= units)) {
			this.queuedUnits += units;
			return;
		}
		// Behind the calls already waiting: the units a grant brought for them are theirs.
		const place = this.line.join(units);
		try {
			for (let round = 0; round < MAX_REFILL_ROUNDS; round++) {
				const now = this.host.inventory();
				if (now === null) break;
				const free = this.free(now);
				const ahead = this.line.upTo(place);
				if (free >= ahead || Date.now() < this.exhaustedUntilMs) break;
				// Short only of units a cut in flight counted: its outcome first (a refused cut
				// gives them back to this shard's buyers, and asks for nothing on their behalf).
				const cutEnded = this.pledge.ended();
				if (cutEnded !== null && free + this.pledge.units >= ahead) {
					await cutEnded;
					continue;
				}
				// One request in flight per shard, sized for every attempt waiting on it; a
				// background one (pool only) may be it, so the next round folds back if still short.
				await (this.refilling ?? this.refill());
			}
		} finally {
			this.line.leave(place);
		}
		this.queuedUnits += units;
	}

	/**
	 * Units available outside this shard (the pool and the other shards), for attempts its
	 * purchase limit refuses: they take no unit, but one object answers them purchase_limit
	 * only while the SKU has `units` (docs/decisions/080-split-sku-limit-and-paged-recount.md).
	 * No unit moves (the shards it reads settle their due expiries first). 0 while the sold-out
	 * memo holds (the coordinator found nothing anywhere within EXHAUSTED_MEMO_MS, the bound every
	 * sold_out of a shard keeps) or when the coordinator cannot be asked (as a refill that fails:
	 * the shard decides with what it has). A count of at least `units` is kept for the same bound,
	 * so a session at its limit retrying costs one count per EXHAUSTED_MEMO_MS, not one per call
	 * (docs/decisions/092-review-11-leftovers.md).
	 */
	async stockElsewhere(units: number): Promise<number> {
		const nowMs = Date.now();
		if (nowMs < this.exhaustedUntilMs) return 0;
		const memo = this.elsewhereMemo;
		if (nowMs < memo.untilMs && memo.units >= units) return memo.units;
		const inFlight = this.counting;
		if (inFlight !== null && inFlight.units >= units) return inFlight.answer;
		const answer = this.count(units, nowMs);
		this.counting = { units, answer };
		try {
			return await answer;
		} finally {
			if (this.counting?.answer === answer) this.counting = null;
		}
	}

	private async count(units: number, askedAtMs: number): Promise<number> {
		const epoch = this.soldOutEpoch;
		let elsewhere = 0;
		try {
			elsewhere = await this.countElsewhere(units);
		} catch (error) {
			console.warn("escrow: stock count failed", String(error));
			return 0;
		}
		// Asked before a raise of the total: its callers' answer, no memo (it may predate the raise).
		if (epoch !== this.soldOutEpoch) return elsewhere;
		// Counted from the ask's send, as the sold-out memo: the count was true after that. A newer
		// count replaces an older one, a smaller one included.
		this.elsewhereMemo = { units: elsewhere, untilMs: askedAtMs + EXHAUSTED_MEMO_MS };
		// Nothing here and nothing anywhere else: the SKU is sold out, as a refill finding
		// nothing would have said (the memo keeps repeated attempts from asking again). Units a
		// cut in flight counted are still here until it ends.
		const inv = this.host.inventory();
		if (elsewhere === 0 && inv !== null && this.free(inv) + this.pledge.units <= 0) {
			this.exhaustedUntilMs = askedAtMs + EXHAUSTED_MEMO_MS;
		}
		return elsewhere;
	}

	/** A shard asks the coordinator over RPC; the coordinator counts itself (escrow.ts). */
	protected countElsewhere(units: number): Promise<number> {
		return this.host.peer(0).escrowStockElsewhere(this.index, units);
	}

	/** Units of this shard nobody holds and no call waiting in its group commit claimed. */
	unclaimed(): number {
		const inv = this.host.inventory();
		return inv === null ? 0 : this.free(inv);
	}

	/** This shard's units nobody holds (an answer to the coordinator's count). */
	available(): number {
		return this.host.inventory()?.counters().available ?? 0;
	}

	/**
	 * After the call was decided: below the low-water mark, ask for more in the background.
	 * A call that could take nothing (every attempt refused by the purchase limit) left the
	 * shard as it was: it asks for nothing.
	 */
	decided(units: number): void {
		this.queuedUnits -= units;
		if (units === 0) return;
		const inv = this.host.inventory();
		const total = this.ledger.pool?.total ?? inv?.product.totalStock ?? 0;
		if (inv === null || Date.now() < this.exhaustedUntilMs || this.refilling !== null) return;
		// From the pool only: folding back is for a shard that cannot cover an attempt, so
		// two shards near the end do not keep taking units from each other. Units a cut in
		// flight counted are still this shard's: a refused cut must not leave a grant behind.
		if (this.free(inv) + this.pledge.units < lowWater(Math.max(total, 1), this.shards)) {
			this.refilling = this.askForMore(false).finally(() => {
				this.refilling = null;
			});
		}
	}

	protected free(inv: Inventory): number {
		return inv.counters().available - this.queuedUnits - this.pledge.units;
	}

	/**
	 * A cut of totalStock counts (escrow.ts changeTotal): this shard's units nobody holds and no
	 * call claimed, kept from its buyers until the coordinator takes them (giveBack "all") or
	 * releases them, at most CUT_PLEDGE_MS (inventory/cut-pledge.ts).
	 */
	pledgeForCut(): number {
		this.pledge.release();
		const inv = this.host.inventory();
		const units = inv === null ? 0 : Math.max(0, this.free(inv));
		this.pledge.make(units);
		return units;
	}

	/** The cut was refused: the units it counted are this shard's buyers' again. */
	releasePledge(): void {
		this.pledge.release();
	}

	/** One request for more in flight per shard; callers that need it wait for the same one. */
	private refill(): Promise<void> {
		this.refilling ??= this.askForMore(true).finally(() => {
			this.refilling = null;
		});
		return this.refilling;
	}

	private async askForMore(mayFoldBack: boolean): Promise<void> {
		const inv = this.host.inventory();
		if (inv === null) return;
		const total = this.ledger.pool?.total ?? inv.product.totalStock;
		const short = this.line.units - this.free(inv);
		const want = Math.max(short, chunkSize(Math.max(total, 1), this.shards));
		// What the waiting calls need: all a fold back is for (a grant beyond it would leave
		// units in this shard that another shard's buyers are then refused).
		const needed = Math.max(1, short);
		let granted = 0;
		// The memo counts from the request's send: the coordinator found nothing after that, and
		// a unit that came back since must sell within EXHAUSTED_MEMO_MS of when it found nothing.
		const askedAtMs = Date.now();
		const epoch = this.soldOutEpoch;
		try {
			granted = await this.requestFromCoordinator(want, mayFoldBack, needed);
		} catch (error) {
			console.warn("escrow: grant request failed", String(error));
			return;
		}
		// A "nothing" to a request asked before a raise of the total may predate it: no memo (the
		// waiting calls ask again in their next round).
		if (granted === 0 && mayFoldBack && epoch === this.soldOutEpoch)
			this.exhaustedUntilMs = askedAtMs + EXHAUSTED_MEMO_MS;
	}

	/** A shard asks the coordinator (shard 0) over RPC; the coordinator's own side overrides this. */
	protected requestFromCoordinator(
		units: number,
		mayFoldBack: boolean,
		needed: number,
	): Promise<number> {
		const coordinator = this.host.peer(0);
		// A background request (the pool only) has no buyer waiting: nothing is needed.
		if (!mayFoldBack) return coordinator.escrowRequestGrant(this.index, units, false);
		return coordinator.escrowRequestGrant(this.index, units, true, needed);
	}
}
