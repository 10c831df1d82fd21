// A create of a SKU that already exists is answered again when it is the very same
// create (the first may have been answered with an error after the object stored it),
// and is `already_exists` otherwise (inventory/object.ts `create`).

import type { ProductConfig } from "../domain/inventory.ts";
import type { WaitingRoomInfo } from "../shared/types.ts";
import type { RoomPatch } from "./waiting-room.ts";

/** Every field a create sets, compared as stored (an absent `listed` means listed). */
export function sameDefinition(a: ProductConfig, b: ProductConfig): boolean {
	return (
		a.sku === b.sku &&
		a.name === b.name &&
		a.priceCents === b.priceCents &&
		a.currency === b.currency &&
		a.totalStock === b.totalStock &&
		a.holdSeconds === b.holdSeconds &&
		a.perUserLimit === b.perUserLimit &&
		a.startsAtMs === b.startsAtMs &&
		(a.listed ?? true) === (b.listed ?? true)
	);
}

/** A retried create names the same room (or none) as the stored one (`info`). */
export function sameRoom(info: WaitingRoomInfo | null, room: RoomPatch | null): boolean {
	if (room === null || room.enabled !== true) return info === null || !info.enabled;
	return (
		info?.enabled === true &&
		(room.admitSeconds === undefined || room.admitSeconds === info.admitSeconds) &&
		(room.overbook === undefined || room.overbook === info.overbook)
	);
}
