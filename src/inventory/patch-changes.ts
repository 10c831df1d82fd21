// What an operator's PATCH changes, judged against the product as stored before anything is
// applied (inventory/object.ts `update`): a PATCH that changes nothing (`{}`, only fields the
// Worker ignores, the values the product already has, disabling a room the SKU does not have)
// records nothing and is answered with the product as it is
// (docs/decisions/085-catalogue-pages-and-contract-leftovers.md).

import type { ProductConfig } from "../domain/inventory-records.ts";
import type { RoomSettings } from "../domain/waiting-room-records.ts";
import type { Product } from "../shared/types.ts";
import type { UpdateResult } from "./rpc.ts";

export type ProductPatch = Partial<Omit<ProductConfig, "sku">>;
/** inventory/waiting-room.ts `RoomPatch`, named here so that file can import this one. */
type RoomPatch = Partial<RoomSettings>;

/** True when the patch sets a field to another value than `stored` has (its totalStock the SKU's). */
export function changesProduct(stored: ProductConfig, patch: ProductPatch): boolean {
	return (Object.keys(patch) as (keyof ProductPatch)[]).some(
		(field) => patch[field] !== undefined && patch[field] !== stored[field],
	);
}

/** True when configuring the room (`settings`; null: the SKU has none) with `patch` changes it. */
export function changesRoom(settings: RoomSettings | null, patch: RoomPatch | null): boolean {
	if (patch === null) return false;
	if (settings === null) return patch.enabled === true;
	return (
		(patch.enabled !== undefined && patch.enabled !== settings.enabled) ||
		(patch.admitSeconds !== undefined && patch.admitSeconds !== settings.admitSeconds) ||
		(patch.overbook !== undefined && patch.overbook !== settings.overbook)
	);
}

/**
 * The product patch to apply and record: null when the PATCH changes nothing at all, `{}` when
 * only the room changes (the room records its own `queue.*` events, and an empty patch records
 * no `product.updated`), else the patch as sent (docs/api.md, "The audit trail of a split SKU").
 * `skuTotalStock`: a split SKU's total (its coordinator's own totalStock is its allotment).
 */
export function effectivePatch(
	stored: ProductConfig,
	skuTotalStock: number | null,
	room: RoomSettings | null,
	patch: ProductPatch,
	roomPatch: RoomPatch | null,
): ProductPatch | null {
	const product = { ...stored, totalStock: skuTotalStock ?? stored.totalStock };
	if (changesProduct(product, patch)) return patch;
	return changesRoom(room, roomPatch) ? {} : null;
}

/** The answer to a PATCH that changes nothing: the product as it is, nothing written or announced. */
export function unchanged(
	product: Product | null | Promise<Product | null>,
): UpdateResult | Promise<UpdateResult> {
	const answer = (p: Product | null): UpdateResult =>
		p === null ? { ok: false, code: "unknown_sku" } : { ok: true, product: p };
	return product instanceof Promise ? product.then(answer) : answer(product);
}
