// The operator's calls of a SKU's object: create, PATCH and reset (docs/api.md, "Operator").
// A layer of InventoryObject (src/inventory/object.ts), which extends it: the object's parts are in
// sku-object-parts.ts, the calls between the objects of a split SKU in sku-object-peers.ts.

import { MAX_SHARDS } from "../domain/escrow.ts";
import { Inventory, type ProductConfig } from "../domain/inventory.ts";
import { objectStorageFailed } from "../shared/sqlite-errors.ts";
import type { Product } from "../shared/types.ts";
import { migrate } from "../storage/do-migrations.ts";
import { Escrow } from "./escrow.ts";
import { effectivePatch, unchanged } from "./patch-changes.ts";
import { forgetReadersAfterReset } from "./readers.ts";
import { keptEnds } from "./records.ts";
import { type KeyedReset, type KeyedResetResult, keyedReset } from "./reset-keys.ts";
import { sameDefinition, sameRoom } from "./retried-create.ts";
import type { ShardRoomState } from "./room-shard-protocol.ts";
import { RoomLink } from "./room-shards.ts";
import type { CreateResult, PatchResult, UpdateResult } from "./rpc.ts";
import { SandboxEnd } from "./sandbox-end.ts";
import { INVENTORY_MIGRATIONS } from "./schema.ts";
import { resetDone } from "./shard-resets.ts";
import { SkuObjectPeers } from "./sku-object-peers.ts";
import type { PatchReading } from "./split-coordinator.ts";
import type { RoomPatch } from "./waiting-room.ts";

export abstract class SkuObjectOperator extends SkuObjectPeers {
	/** The product as it stands (object.ts): the answer to a PATCH that changes nothing. */
	abstract product(readerSessionId?: string): Product | null | Promise<Product | null>;

	/** A demo sandbox's end, when its session is over (inventory/sandbox-end.ts). */
	private readonly sandboxEnd = new SandboxEnd({
		storage: this.ctx.storage,
		scheduleAlarm: (atMs) => this.deadlines.scheduleAlarm(atMs),
		sku: () => this.inv?.product.sku ?? null,
		reset: async () => {
			await this.reset();
		},
		flush: () => this.outbox.flush(),
		db: this.env.DB,
	});

	// ---- RPC: a demo sandbox's end ----

	/**
	 * Arms the sandbox's end at `atMs` (POST /api/demo/sandbox, from its session's end): false, and
	 * nothing armed, for an object that is not an unlisted `SBX-` SKU of one object.
	 */
	async endSandboxAt(atMs: number): Promise<boolean> {
		const product = this.inv?.product;
		if (product === undefined || !isSandbox(product.sku, product.listed) || this.escrow !== null)
			return false;
		await this.sandboxEnd.endAt(atMs);
		return true;
	}

	/** When the sandbox's end is armed for; null when none is. */
	sandboxEndsAtMs(): Promise<number | null> {
		return this.sandboxEnd.endsAtMs();
	}

	/** The object's alarm (object.ts): its deadlines, then a sandbox's end. */
	protected async alarmRun(): Promise<void> {
		await this.deadlines.run();
		const product = this.inv?.product;
		if (product !== undefined && isSandbox(product.sku, product.listed))
			await this.sandboxEnd.afterAlarm(Date.now());
	}

	// ---- RPC: operator ----

	/**
	 * Creates the product, or answers it again when it already exists with the very same definition
	 * (a retried create, first answered with an error after it was stored); another definition is
	 * `already_exists`. With `onlyIfStored` nothing is created: a product not stored yet is
	 * `unknown_sku` (the Worker's answer to a create it refuses unless it repeats one; decision 078).
	 */
	create(
		product: ProductConfig,
		shards = 1,
		room: RoomPatch | null = null,
		onlyIfStored = false,
	): CreateResult | Promise<CreateResult> {
		if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
			throw new RangeError(`shards must be an integer 1..${MAX_SHARDS}, got ${shards}`);
		}
		if (this.inv !== null) {
			const stored = {
				...this.inv.product,
				totalStock: this.escrow?.total() ?? this.inv.product.totalStock,
			};
			if (
				!sameDefinition(stored, product) ||
				(this.escrow?.shards ?? 1) !== shards ||
				!sameRoom(this.room.info(), room)
			)
				return { ok: false, code: "already_exists" };
			if (this.escrow !== null) return this.split.created(true);
			return { ok: true, product: this.productNow(this.inv, this.tick()), replayed: true };
		}
		if (onlyIfStored) return { ok: false, code: "unknown_sku" };
		migrate(this.ctx.storage, INVENTORY_MIGRATIONS, "InventoryObject");
		this.room.load();
		const now = Date.now();
		this.inv = Inventory.create(product, now);
		if (room !== null) this.room.configure(room, now);
		this.sql.exec(
			"INSERT INTO state (id, snapshot, seq) VALUES (1, ?, 0)",
			JSON.stringify(this.inv.snapshot()),
		);
		// Same transaction: the pool and every shard's first grant (docs/decisions/020-escrow-shards.md).
		if (shards > 1) {
			this.escrow = Escrow.createCoordinator(this.escrowHost(), this.inv, shards, now);
			// The room's state rides with each shard's first grant (inventory/room-shards.ts).
			this.roomLink = new RoomLink(this.roomHost(), this.escrow);
			this.roomLink.publish(this.room.info());
		}
		const created = this.committed(this.inv, now);
		return this.escrow === null ? created : this.split.created(false);
	}

	update(
		patch: Partial<Omit<ProductConfig, "sku">>,
		room: RoomPatch | null = null,
	): PatchResult | Promise<PatchResult> {
		return this.storageChecked(() => this.updateNow(patch, room));
	}

	/**
	 * An operator's call whose storage failed part way (SQLite's disk full): the model is read
	 * again from what is durable, so memory is never ahead of storage after it, and the error goes
	 * on (the Worker's 503). A batch does the same (decide-group.ts); a split SKU's escrow is
	 * refreshed in place, so a cut in flight keeps its turn. One object's call is one savepoint
	 * up to its first await (all of a PATCH or an unkeyed reset), so a throw there rolls back its
	 * writes with it: no event row without the change it records
	 * (docs/decisions/187-a-rolled-back-batch-keeps-the-escrow.md §3).
	 */
	private storageChecked<T>(run: () => T | Promise<T>): T | Promise<T> {
		const failed = (error: unknown): never => {
			if (objectStorageFailed(error)) {
				// What other calls staged in this turn is theirs: written first, as atomically does.
				try {
					this.state.flushStaged();
				} finally {
					this.reload();
				}
			}
			throw error;
		};
		try {
			const result = this.escrow === null ? this.atomically(run) : run();
			return result instanceof Promise ? result.catch(failed) : result;
		} catch (error) {
			return failed(error);
		}
	}

	private updateNow(
		patch: Partial<Omit<ProductConfig, "sku">>,
		room: RoomPatch | null,
	): PatchResult | Promise<PatchResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (this.escrow?.isCoordinator) {
			// Judged when the coordinator runs it: every PATCH in its turn, on what the PATCHes
			// before it left (split-coordinator.ts update).
			const read = (): PatchReading => {
				const total = this.escrow?.total() ?? null;
				const effective = effectivePatch(inv.product, total, this.room.info(), patch, room);
				if (effective === null) return null;
				const move = this.room.startMove(inv, effective.startsAtMs, this.tick());
				return move === "refused" ? "start_moved" : { effective, room, move };
			};
			return this.split
				.update(read)
				.then((r) => (r === "unchanged" ? unchanged(this.product()) : this.announced(r)));
		}
		const effective = effectivePatch(inv.product, null, this.room.info(), patch, room);
		if (effective === null) return unchanged(this.product());
		const move = this.room.startMove(inv, effective.startsAtMs, this.tick());
		if (move === "refused") return { ok: false, code: "start_moved" };
		const now = this.tick();
		if (!inv.update(effective, now).ok) return { ok: false, code: "invalid_state" };
		this.room.patched(room, move, now);
		return this.announced(this.committed(inv, now));
	}

	/** Open storefronts learn of the operator's change, a PATCH or a reset (src/inventory/live.ts productChanged). */
	private announced<R extends PatchResult>(result: R): R {
		if (result.ok) this.live.productChanged(result.product);
		return result;
	}

	/** `keyed`: under the operator's Idempotency-Key, done at most once (inventory/reset-keys.ts). */
	reset(keyed: KeyedReset | null = null): KeyedResetResult | Promise<KeyedResetResult> {
		return this.storageChecked(() => this.resetNow(keyed));
	}

	private resetNow(keyed: KeyedReset | null): KeyedResetResult | Promise<KeyedResetResult> {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		if (keyed !== null) return keyedReset(this.resetKeysHost(), keyed);
		// Announced as a PATCH is: a page holding a hold the reset deleted reads it
		// (src/web/storefront/useHoldCheck.ts). A split SKU's shards have no feed.
		if (this.escrow?.isCoordinator) return this.split.reset().then((r) => this.announced(r));
		const result = this.resetLocal();
		return this.escrow === null ? this.announced(result) : result;
	}

	/**
	 * This object's own holds (a shard's, for a split SKU). `generation`: a shard's part of the
	 * coordinator's reset of that generation (inventory/shard-resets.ts), stored with the reset.
	 */
	protected resetLocal(
		idempotencyKey: string | null = null,
		generation?: number,
		keepAfterMs: number | null = null,
		room: ShardRoomState | null = null,
	): UpdateResult {
		const inv = this.inv;
		if (inv === null) return { ok: false, code: "unknown_sku" };
		const now = Date.now();
		// The coordinator's reset event carries the SKU's total, as one object's does (docs/api.md).
		// A shard doing its coordinator's reset keeps the holds taken after it (`keepAfterMs`:
		// the new drop's, acknowledged; docs/decisions/134-an-owed-reset-keeps-the-new-drops-holds.md).
		// With them, the cool-downs of the new drop's holds that ended before it (decision 138).
		const ends = keepAfterMs === null ? [] : keptEnds(this.sql, now, keepAfterMs);
		// And the attempts and refusals counted since (decision 144): the history's whole seconds after it.
		const counted = keepAfterMs === null ? null : this.metricsRing.countedAfter(keepAfterMs, now);
		// With the decisions and commits that carried them (decision 158).
		const work = keepAfterMs === null ? null : this.metricsRing.workAfter(keepAfterMs, now);
		inv.reset(now, this.escrow?.total() ?? null, idempotencyKey, keepAfterMs, ends, counted);
		this.saga.reset(now, (id) => inv.activeHold(id) !== undefined, keepAfterMs);
		const keep = keepAfterMs ?? Number.MAX_SAFE_INTEGER;
		// Paid orders survive a reset (docs/decisions/001-reset-keeps-paid-orders.md): their
		// holds stay, and so do the Idempotency-Key outcomes that created them, so a retried
		// request is still answered with the hold that was paid, never a second one. So do a
		// kept hold's.
		this.sql.exec(
			`DELETE FROM idempotency WHERE json_extract(outcome, '$.reservation.reservationId') IS NULL
			 OR json_extract(outcome, '$.reservation.reservationId') NOT IN
			 (SELECT id FROM holds WHERE status = 'PAID' OR created_at > ?)`,
			keep,
		);
		this.sql.exec("DELETE FROM holds WHERE status != 'PAID' AND created_at <= ?", keep);
		forgetReadersAfterReset(this.sql, this.storedReads);
		this.room.reset(now);
		// A split SKU's coordinator publishes the new drop's room in its own reset's transaction,
		// so a crash before the other shards reset still has them drop the old admissions (from
		// the alarm; split-coordinator.ts resetShards sends it at once). A shard forgets them; a
		// shard's late reset that carries the new drop's room forgets them only if it does not
		// know that room yet (a new commitment clears them, room-shard-gate.ts applyState): the
		// admissions it got after learning it are the new drop's, and stay (decision 138).
		if (this.escrow?.isCoordinator) this.roomLink?.publish(this.room.info());
		else if (keepAfterMs !== null && room !== null) this.roomLink?.applyState(room);
		else this.roomLink?.clear();
		// A split SKU: the coordinator records the reset its other shards owe, in this same
		// transaction (inventory/shard-resets.ts); a shard, the generation it has done.
		if (this.escrow?.isCoordinator) this.escrow.resetMade(this.keyedOf(idempotencyKey), now);
		else if (this.escrow !== null && generation !== undefined) {
			if (resetDone(this.escrow.ledger, generation)) this.escrow.save();
		}
		this.state.resetCounts(work, inv.activeCount());
		this.guardSpan.reset();
		// The drop's figures start again: the sessions that asked before the reset are not its
		// (kept: a shard's late reset keeps the new drop's, after keepAfterMs).
		this.guard.dropReset(keepAfterMs ?? now);
		this.attemptMemo.clear(Date.now());
		return this.committed(inv, now);
	}

	/** The operator's key and its request's fingerprint, as this object recorded them (reset-keys.ts). */
	private keyedOf(idempotencyKey: string | null): KeyedReset | null {
		if (idempotencyKey === null) return null;
		const row = this.sql
			.exec<{ fingerprint: string }>(
				"SELECT fingerprint FROM reset_keys WHERE key = ?",
				idempotencyKey,
			)
			.toArray()[0];
		if (row === undefined) throw new Error("a keyed reset without its key's row");
		return { key: idempotencyKey, fingerprint: row.fingerprint, replayOnly: false };
	}
}

/** A demo sandbox's SKU (worker/sandbox.ts): named `SBX-…` and not in the catalogue. */
function isSandbox(sku: string, listed: boolean | undefined): boolean {
	return sku.startsWith("SBX-") && listed === false;
}
