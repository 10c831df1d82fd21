// The types of a split SKU's settings channel (docs/decisions/118-split-settings-owed.md), apart
// from its logic (inventory/shard-settings.ts) so that the escrow's ledger and peer types
// (inventory/escrow-shard.ts) can name them without an import cycle, as room-shard-protocol.ts
// does for the room's.

import type { ProductConfig } from "../domain/inventory.ts";

/** What a shard takes from the coordinator's product: everything but the SKU and its stock. */
export type ShardSettings = Omit<ProductConfig, "sku" | "totalStock">;

/** In the escrow row. The coordinator: the settings' version and, per shard, the version it confirmed. A shard: the version it applied. */
export interface SettingsLedger {
	version: number;
	acked?: number[];
}

/** The call a coordinator makes on a shard: answers the version the shard now has. */
export interface SettingsPeer {
	escrowSettings(settings: ShardSettings, version: number): Promise<number>;
}
