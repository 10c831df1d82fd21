// The live feed's places as an operator reads them in the stats (docs/api.md, the stats' `live`;
// docs/decisions/156-the-live-feeds-places-in-the-stats.md): how many sockets are open, from how
// many addresses, and how close the busiest address is to its bound. Read from the runtime's own
// list of the object's sockets and their hibernation tags (src/inventory/live.ts tags each socket
// with its address's hash), so exact, kept across the object's sleep, and never a counter that a
// crash could lose. Costs one pass over the open sockets, on a stats read only.

/** The hibernation tag of an address's sockets: this prefix and the address's keyed hash. */
export const ADDRESS_TAG_PREFIX = "address:";

/** What the runtime says of the feed's open sockets, against its bounds. */
export interface LivePlaces {
	open: number;
	cap: number;
	perAddressCap: number;
	addresses: number;
	mostByOneAddress: number;
	addressesAtCap: number;
}

/** The feed's open sockets counted by address. A socket without an address tag counts in `open` only. */
export function livePlaces(
	ctx: Pick<DurableObjectState, "getWebSockets" | "getTags">,
	bounds: { sockets: number; perAddress: number },
): LivePlaces {
	const sockets = ctx.getWebSockets();
	const byAddress = new Map<string, number>();
	for (const ws of sockets) {
		const tag = addressTagOf(ctx.getTags(ws));
		if (tag !== null) byAddress.set(tag, (byAddress.get(tag) ?? 0) + 1);
	}
	let most = 0;
	let atCap = 0;
	for (const n of byAddress.values()) {
		most = Math.max(most, n);
		if (n >= bounds.perAddress) atCap += 1;
	}
	return {
		open: sockets.length,
		cap: bounds.sockets,
		perAddressCap: bounds.perAddress,
		addresses: byAddress.size,
		mostByOneAddress: most,
		addressesAtCap: atCap,
	};
}

function addressTagOf(tags: readonly string[]): string | null {
	for (const tag of tags) if (tag.startsWith(ADDRESS_TAG_PREFIX)) return tag;
	return null;
}
