// The coordinator of a SKU split across shards (shard 0, the object named `<sku>`;
// docs/decisions/020-escrow-shards.md): the whole-SKU views and operations. Each
// merges or fans out to the other shards' objects over RPC; the escrow's pool is
// inventory/escrow.ts, the room between the objects inventory/room-shards.ts. A SKU
// in one object never reaches this file.

import type { Inventory, ProductConfig } from "../domain/inventory.ts";
import type { Availability, Product } from "../shared/types.ts";
import { toProduct } from "./codec.ts";
import type { Escrow } from "./escrow.ts";
import type { EscrowPeer } from "./escrow-shard.ts";
import type { TotalChange } from "./escrow-total.ts";
import type { HistoryPart, MetricsReport } from "./metrics.ts";
import type { KeyedReset } from "./reset-keys.ts";
import type { RoomPeer } from "./room-shard-protocol.ts";
import type { RoomLink } from "./room-shards.ts";
import type {
	CreateResult,
	EdgeSnapshot,
	PatchResult,
	ShardCounters,
	StatsResult,
	UpdateResult,
} from "./rpc.ts";
import { ShardsOwed, touchesSettings } from "./shard-settings.ts";
import { type OwnSeconds, SplitMetrics } from "./split-metrics.ts";
import { emptyShard, mergedAvailability } from "./split-sku-views.ts";
import { type StatsSource, splitStats } from "./stats.ts";
import type { RoomKeeper, RoomPatch, StartMove } from "./waiting-room.ts";

type ProductPatch = Partial<Omit<ProductConfig, "sku">>;

/** A PATCH to apply: the fields that change it, the room's part, what it does to the room's start. */
export interface PatchPlan {
	effective: ProductPatch;
	room: RoomPatch | null;
	move: Exclude<StartMove, "refused">;
}

/** A PATCH judged against the product as it stands: nothing to change, a refused start, or a plan. */
export type PatchReading = null | "start_moved" | PatchPlan;

/** The calls the coordinator makes on the SKU's other objects (RPC methods of InventoryObject). */
export interface ShardPeer extends EscrowPeer, RoomPeer {
	flushEvents(): Promise<boolean>;
	escrowCounters(withSessions?: boolean): Promise<ShardCounters | null>;
	shardMetrics(nowMs: number, seconds: number): Promise<HistoryPart | null>;
}

/** What the coordinator needs of its own object (inventory/object.ts). */
export interface SplitHost {
	inventory(): Inventory | null;
	/** This SKU's escrow; throws for a SKU in one object. */
	escrow(): Escrow;
	roomLink(): RoomLink | null;
	room(): RoomKeeper;
	stats(): StatsSource;
	/** The object holding shard `index` of this SKU. */
	peer(index: number): ShardPeer;
	/** Lazy expiry before a read; answers now. */
	tick(): number;
	/** This object as shard 0: its counters, its product change, its reset, its outbox. */
	ownCounters(withSessions: boolean): ShardCounters | null;
	ownUpdate(patch: ProductPatch): UpdateResult;
	ownReset(): UpdateResult;
	ownFlush(): Promise<boolean>;
}

export class SplitCoordinator {
	/** The last merged availability, for the live feed. */
	private mergedCopy: Availability | null = null;
	/** The metrics reads' last gathering of the shards' seconds (made on the first read). */
	private metricsReads: SplitMetrics | null = null;

	constructor(private readonly host: SplitHost) {}

	lastMerged(): Availability | null {
		return this.mergedCopy;
	}

	/** The shards get their first grants before the create is answered (the alarm retries a failure). */
	async created(replayed: boolean): Promise<CreateResult> {
		await this.host.escrow().settle();
		await this.host.roomLink()?.syncShards();
		const product = this.host.inventory() === null ? null : await this.product();
		if (product === null) throw new Error("a split SKU without a product");
		return replayed ? { ok: true, product, replayed } : { ok: true, product };
	}

	/**
	 * A PATCH: `read` judges it against the product as it stands (sku-object-operator.ts). Every
	 * PATCH is read and applied in a turn of its own (escrow.ts changeTotal), so it is judged on
	 * what the PATCHes before it left, a cut still in flight included
	 * (docs/decisions/184-review-35s-findings.md), and a cut's other fields, applied when the cut
	 * ends, never overwrite a PATCH that came later (docs/decisions/186-review-36s-findings.md);
	 * "unchanged" when it changes nothing.
	 */
	async update(read: () => PatchReading): Promise<PatchResult | "unchanged"> {
		const escrow = this.host.escrow();
		const plan = (): TotalChange<PatchResult | "unchanged"> => {
			const reading = read();
			if (reading === null) return { answer: "unchanged" };
			if (reading === "start_moved") return { answer: { ok: false, code: "start_moved" } };
			const total = reading.effective.totalStock;
			if (total === undefined || total === escrow.total()) return { answer: this.apply(reading) };
			// A cut that awaits the shards is judged again before it moves anything: the room's
			// start may have fallen due meanwhile (docs/decisions/188-a-cut-judges-its-start-again.md).
			let current: PatchPlan = reading;
			const recheck = (): PatchResult | undefined => {
				const again = read();
				if (again === "start_moved") return { ok: false, code: "start_moved" };
				if (again !== null) current = again;
				return undefined;
			};
			return { totalStock: total, apply: () => this.apply(current), recheck };
		};
		// Without totalStock the plan answers at once in its turn: no unit moves.
		const own = await escrow.changeTotal(plan);
		if (own === "unchanged") {
			// The repeat of a PATCH whose answer was lost finishes what a crash cut short (the
			// other shards' settings and room), then answers the product as it is.
			await this.finishOwed();
			return own;
		}
		if (own === null) return { ok: false, code: "invalid_state" };
		if (!own.ok) return own;
		await this.finishOwed();
		const product = await this.product();
		return { ok: true, product };
	}

	/**
	 * The coordinator's own product change. Shard 0's change records the PATCH once for the whole
	 * SKU, its totalStock the new total (sku-object-peers.ts escrowUpdate), in the pool's
	 * transaction when the total moves. What the other shards owe is recorded in the same
	 * transaction (the settings' version, the room's), so a crash before they have it leaves it
	 * owed, not forgotten.
	 */
	private apply({ effective, room, move }: PatchPlan): UpdateResult {
		// The room is the coordinator's; the shards learn its state before the answer.
		if (room !== null) this.host.room().configure(room, Date.now());
		const own = this.host.ownUpdate(effective);
		// Re-armed once the new start is stored (a tick before would start the new drop at
		// the old start); the tick writes it in this same turn.
		if (own.ok && move === "rearm") {
			this.host.room().patched(null, move, Date.now());
			this.host.tick();
		}
		if (own.ok) {
			if (touchesSettings(effective)) this.host.escrow().settingsChanged(Date.now());
			this.host.roomLink()?.publish(this.host.room().info());
		}
		return own;
	}

	/**
	 * Sends the other shards what they owe of earlier changes: the product's settings and the
	 * room's state (inventory/shard-settings.ts, room-shards.ts). After a PATCH, and on a PATCH
	 * that changes nothing (the repeat of one whose answer was lost); the alarm does the same.
	 * Throws ShardsOwed when a shard did not take them: the change is kept and re-sent from the
	 * alarm, but the answer must not say the SKU has it everywhere (the Worker answers 503).
	 */
	async finishOwed(): Promise<void> {
		const unsent = await this.host.escrow().pushSettings();
		const link = this.host.roomLink();
		await link?.syncShards();
		if (unsent !== null)
			throw new ShardsOwed(`a shard did not take the product's settings yet: ${String(unsent)}`);
		if (link?.stateOwed())
			throw new ShardsOwed("a shard did not take the waiting room's state yet");
	}

	async reset(): Promise<UpdateResult> {
		const own = this.host.ownReset();
		if (!own.ok) return own;
		return { ok: true, product: await this.resetShards(null) };
	}

	/**
	 * The rest of a reset once shard 0 has done its own (which recorded the reset every other
	 * shard owes, inventory/shard-resets.ts): every other shard's, then the room. `keyed`: the
	 * repeat of a keyed reset, which finishes what its first request left; the shards reset under
	 * the key the coordinator recorded, each at most once.
	 */
	async resetShards(keyed: KeyedReset | null): Promise<Product> {
		const escrow = this.host.escrow();
		// A keyed reset whose coordinator part was made by code that recorded no generation.
		if (keyed !== null && escrow.ledger.reset === undefined) escrow.resetMade(keyed, Date.now());
		await this.finishReset();
		// A new drop: a new commitment, so the shards drop the old admissions.
		await this.republishRoom();
		return this.product();
	}

	/**
	 * The last reset to every shard that has not confirmed it: nothing when none owes it (no
	 * call). Throws ShardsOwed when a shard did not take it (the Worker answers 503): the reset is
	 * kept and the alarm asks again, but no answer may count that shard's old holds as the SKU's.
	 * Owed is judged against the reset that was the last when this began: one made meanwhile (a
	 * second reset sent at once) is that reset's to finish, and the shards doing it then is no
	 * failure of this one (docs/decisions/189-review-37s-findings.md §1).
	 */
	private async finishReset(): Promise<void> {
		const escrow = this.host.escrow();
		if (!escrow.resetOwed()) return;
		const generation = escrow.resetGeneration();
		const failed = await escrow.pushResets();
		if (escrow.resetOwed(generation))
			throw new ShardsOwed(`a shard did not take the reset yet: ${String(failed)}`, "reset");
	}

	/** A split SKU's trail is every shard's (docs/decisions/020-escrow-shards.md). */
	async flushEvents(): Promise<boolean> {
		const others = await this.others(this.host.escrow(), (peer) => peer.flushEvents());
		return (await this.host.ownFlush()) && others.every(Boolean);
	}

	async product(): Promise<Product> {
		const inv = this.host.inventory();
		if (inv === null) throw new Error("a split SKU without a product");
		const availability = await this.merge();
		return {
			...toProduct(inv, Date.now()),
			totalStock: availability.total,
			availability,
			shards: this.host.escrow().shards,
			waitingRoom: this.host.room().info(),
		};
	}

	/** The SKU's state for the edge's copy (worker/edge-snapshot.ts), the shards merged. */
	snapshot(inv: Inventory): Promise<EdgeSnapshot> {
		const shards = this.host.escrow().shards;
		const waitingRoom = this.host.room().info()?.enabled === true;
		return this.merge().then((availability) => ({
			availability,
			startsAtMs: inv.product.startsAtMs,
			shards,
			waitingRoom,
		}));
	}

	async stats(): Promise<StatsResult> {
		const inv = this.host.inventory();
		const escrow = this.host.escrow();
		if (inv === null) return { ok: false, code: "unknown_sku" };
		// Nothing in flight while the shards are read, so every unit is in the pool or an
		// allotment: the pool is read in the same still spell (docs/decisions/167-sold-out-means-none-anywhere.md).
		// The same one call per shard as before, carrying its sessions for the fairness figures.
		// `asOf` is when they were asked: each shard's counters are at least that new.
		const read = await escrow.still(async () => {
			const askedMs = Date.now();
			const counters = await this.counters(true);
			return { askedMs, counters, total: escrow.total(), pool: escrow.pool() };
		});
		const now = this.host.tick();
		const link = this.host.roomLink();
		return splitStats(
			this.host.stats(),
			inv.product.sku,
			{ total: () => read.total, pool: () => read.pool },
			read.counters,
			link?.calls ?? null,
			now,
			read.askedMs,
		);
	}

	/**
	 * The whole SKU's last `seconds` of metrics (docs/metrics.md): `own`, this object's seconds
	 * (shard 0's decisions, the edge's tallies, the per-address refusals), and the other shards'
	 * decided seconds of the same span, gathered at most once per METRICS_REUSE_MS
	 * (split-metrics.ts). An operator's read only: the reserve path never calls this.
	 */
	metrics(sku: string, seconds: number, own: OwnSeconds): Promise<MetricsReport> {
		this.metricsReads ??= new SplitMetrics((index, nowMs, span) =>
			this.host.peer(index).shardMetrics(nowMs, span),
		);
		return this.metricsReads.read(sku, this.host.escrow().shards, seconds, Date.now(), own);
	}

	/** Merges every shard's counters into the SKU's availability (kept for the live feed). */
	async merge(): Promise<Availability> {
		const inv = this.host.inventory();
		const escrow = this.host.escrow();
		if (inv === null) throw new Error("a split SKU without a product");
		// `asOf` is when the shards were asked (each answer is at least that new), so that a frame
		// compares with a stats answer by what it holds, not by when the merge ended.
		const askedMs = Date.now();
		const counters = await this.counters();
		const availability = mergedAvailability(inv.product, escrow.total() ?? 0, counters, askedMs);
		this.mergedCopy = availability;
		return availability;
	}

	/** Every shard's counters, this object's (shard 0) first; `withSessions` as escrowCounters. */
	private async counters(withSessions = false): Promise<ShardCounters[]> {
		const escrow = this.host.escrow();
		// The shards' counts are the SKU's only once each has done the coordinator's last reset as
		// of this read (a reset made during it is that reset's to finish: a shard may then still
		// count holds it removes, as any read that overlaps a reset may; decision 189 §1).
		await this.finishReset();
		const own = this.host.ownCounters(withSessions);
		const others = await this.others(escrow, (peer) => peer.escrowCounters(withSessions));
		return [own, ...others].map((c, index) => c ?? emptyShard(index));
	}

	/** One call on every other shard (1..K − 1), at once. */
	private others<T>(escrow: Escrow, call: (peer: ShardPeer) => Promise<T>): Promise<T[]> {
		return Promise.all(
			Array.from({ length: escrow.shards - 1 }, (_, i) => call(this.host.peer(i + 1))),
		);
	}

	/**
	 * After a reset: the shards learn the room's state before the answer (published in the
	 * coordinator's own reset, or here when it was not; sent to every shard that owes it).
	 */
	private async republishRoom(): Promise<void> {
		const link = this.host.roomLink();
		link?.publish(this.host.room().info());
		await link?.syncShards();
	}
}
