// The Fairness card's line of refusals at the per-address caps outside the reserve path (stats'
// `addressRefusals`, docs/api.md): live feed upgrades and waiting-room joins refused because one
// address already held its share. Its own line, never added to "N reserve attempts, M rejected":
// they are not reserve attempts. Pure: no DOM, no Preact.

import type { AddressRefusals } from "../../shared/types.ts";
import { counted } from "../lib/format.ts";

/** The line, or null from a server that does not count them (the field is absent). */
export function addressRefusalsLine(refusals: AddressRefusals | undefined): string | null {
	if (refusals === undefined) return null;
	const feeds = counted(refusals.liveFeed, "live feed upgrade");
	const joins = counted(refusals.roomJoin, "waiting-room join");
	return `Refused at the per-address caps (not reserve attempts): ${feeds}, ${joins}.`;
}
