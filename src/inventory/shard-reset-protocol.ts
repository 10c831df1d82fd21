// The types of a split SKU's reset channel (docs/decisions/124-a-split-reset-owed.md), apart from
// its logic (inventory/shard-resets.ts) so that the escrow's ledger and peer types
// (inventory/escrow-shard.ts) can name them without an import cycle, as
// shard-settings-protocol.ts does for the settings'.

import type { KeyedReset } from "./reset-keys.ts";
import type { ShardRoomState } from "./room-shard-protocol.ts";

/**
 * In the escrow row. The coordinator: how many resets it made (the generation), per shard the
 * generation it confirmed, and the operator's key of the last one (its shards record theirs under
 * it). A shard: the generation of the last reset it did.
 */
export interface ResetLedger {
	generation: number;
	acked?: number[];
	keyed?: KeyedReset | null;
	/**
	 * The coordinator: when it made its reset (its clock). A shard keeps the holds it created after
	 * that (the new drop's; decision 134). Absent in a row written before that rule.
	 */
	atMs?: number;
}

/**
 * The call a coordinator makes on a shard: answers the reset generation the shard now has.
 * `room`: the room's state the coordinator publishes, the new drop's (or later): a shard that
 * already knows it keeps the admissions it holds, the new drop's (decision 138).
 */
export interface ResetPeer {
	escrowReset(
		keyed: KeyedReset | null,
		generation: number,
		atMs?: number | null,
		room?: ShardRoomState | null,
	): Promise<number>;
}
