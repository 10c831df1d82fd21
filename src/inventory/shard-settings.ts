// The product's settings on every object of a SKU split across shards (docs/decisions/118-split-settings-owed.md).
// Each shard decides its buyers' attempts with its own copy of the product: price and currency
// (a hold keeps the price it was taken at), holdSeconds, perUserLimit, startsAt and the name.
// The operator's PATCH changes the coordinator's copy (shard 0) first; the others follow by RPC.
// So that a crash between the two cannot leave the shards on the old settings for good, the
// coordinator's change and a new settings version are one transaction, with the alarm that
// re-sends them; each shard stores the version it applied with the settings, and the
// coordinator re-sends the settings as they stand to every shard that has not confirmed the
// version, after the PATCH, from the alarm, and on a PATCH that changes nothing (an operator
// repeating the request whose answer was lost). totalStock is not a setting: it is the escrow's.

import type { Inventory, ProductConfig } from "../domain/inventory.ts";
import { ESCROW_RETRY_MS, type EscrowLedger } from "./escrow-shard.ts";
import type { SettingsPeer, ShardSettings } from "./shard-settings-protocol.ts";

/**
 * A change the coordinator kept and some shard has not confirmed yet: marked `retryable`, as
 * Cloudflare marks an error a call may simply be retried after, so the Worker answers it 503
 * `unavailable` with a Retry-After (worker/app.ts), not as a bug. The repeat finishes the change.
 */
export class ShardsOwed extends Error {
	override readonly name = "ShardsOwed";
	readonly retryable = true;
	/**
	 * A reset's (decision 124): the Worker words its 503 for the operator, since an unkeyed
	 * repeat is a new reset, not this one's outcome (worker/routes/admin-reset.ts).
	 */
	readonly resetOwed: boolean;

	constructor(message: string, what: "settings" | "reset" = "settings") {
		super(message);
		this.resetOwed = what === "reset";
	}
}

export interface SettingsHost {
	ledger: EscrowLedger;
	shards: number;
	inventory(): Inventory | null;
	peer(index: number): SettingsPeer;
	/** Writes the escrow row (in the caller's synchronous turn). */
	save(): void;
	/** Sets the object's alarm no later than `atMs`. */
	wake(atMs: number): void;
}

export function settingsOf(product: ProductConfig): ShardSettings {
	const { sku: _sku, totalStock: _total, ...settings } = product;
	return settings;
}

/** True when the patch changes what a shard decides with (not only totalStock or the room). */
export function touchesSettings(patch: Partial<ProductConfig>): boolean {
	return Object.entries(patch).some(
		([k, v]) => k !== "totalStock" && k !== "sku" && v !== undefined,
	);
}

/**
 * Coordinator, in the transaction of its own change: a new version every other shard owes, and
 * the alarm that re-sends it if the process dies before the shards have it.
 */
export function bumpSettings(host: SettingsHost, nowMs: number): void {
	const old = host.ledger.settings;
	const acked = Array.from({ length: host.shards }, (_, i) => old?.acked?.[i] ?? 0);
	const version = (old?.version ?? 0) + 1;
	acked[0] = version;
	host.ledger.settings = { version, acked };
	host.save();
	host.wake(nowMs + ESCROW_RETRY_MS);
}

/** Coordinator: the shards (1..K − 1) that have not confirmed the settings' version. */
export function settingsOwed(ledger: EscrowLedger, shards: number): number[] {
	const s = ledger.settings;
	if (s === undefined || ledger.pool === null) return [];
	const owed: number[] = [];
	for (let i = 1; i < shards; i++) if ((s.acked?.[i] ?? 0) < s.version) owed.push(i);
	return owed;
}

/**
 * Coordinator: sends the settings as they stand to every shard that owes them; records what each
 * confirmed. A shard that failed is re-sent from the alarm. Answers the first failure, or null.
 */
export async function pushSettings(host: SettingsHost): Promise<unknown> {
	const owed = settingsOwed(host.ledger, host.shards);
	const inv = host.inventory();
	const s = host.ledger.settings;
	if (owed.length === 0 || inv === null || s === undefined) return null;
	// Read with the version in one turn: the settings sent are that version's or newer.
	const version = s.version;
	const settings = settingsOf(inv.product);
	const results = await Promise.allSettled(
		owed.map(async (i) => {
			const known = await host.peer(i).escrowSettings(settings, version);
			// The ledger as it is now: a PATCH meanwhile may have moved the version on.
			const now = host.ledger.settings ?? s;
			now.acked ??= [];
			if (known > (now.acked[i] ?? 0)) now.acked[i] = known;
		}),
	);
	host.save();
	const failed = results.find((r) => r.status === "rejected");
	// A shard without the SKU yet answers 0: its first grant brings the product; re-sent meanwhile.
	if (failed !== undefined || settingsOwed(host.ledger, host.shards).length > 0)
		host.wake(Date.now() + ESCROW_RETRY_MS);
	return failed?.reason ?? null;
}

/**
 * Shard: applies the coordinator's settings unless it already has this version or a newer one
 * (a re-send may arrive after the next PATCH's). The caller writes the model and the escrow row
 * in the same turn. Answers the version the shard has.
 */
export function applySettings(
	ledger: EscrowLedger,
	inv: Inventory,
	settings: ShardSettings,
	version: number,
	nowMs: number,
): { version: number; changed: boolean } {
	const known = ledger.settings?.version ?? 0;
	if (version <= known) return { version: known, changed: false };
	// No event: the coordinator records the operator's change once for the whole SKU.
	if (!inv.update(settings, nowMs, null).ok) throw new Error("a shard refused the SKU's settings");
	ledger.settings = { version };
	return { version, changed: true };
}
