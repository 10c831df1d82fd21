// The Fairness card's line of refusals at the per-address caps outside the reserve path (stats'
// `addressRefusals`, docs/api.md): live feed upgrades and waiting-room joins refused because one
// address already held its share. Its own line, never added to "N reserve attempts, M rejected":
// they are not reserve attempts. The same refusals per second from the metrics series, for the
// attempts chart's own line (docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md).
// Pure: no DOM, no Preact.

import type { AddressRefusals, MetricsPoint } from "../../shared/types.ts";
import { counted } from "../lib/format.ts";

/** The line, or null from a server that does not count them (the field is absent). */
export function addressRefusalsLine(refusals: AddressRefusals | undefined): string | null {
	if (refusals === undefined) return null;
	const feeds = counted(refusals.liveFeed, "live feed upgrade");
	const joins = counted(refusals.roomJoin, "waiting-room join");
	return `Refused at the per-address caps (not reserve attempts): ${feeds}, ${joins}.`;
}

/** One second's refusals at the caps (the chart's line), null from a server whose points lack them. */
export function refusedInSecond(p: MetricsPoint): number | null {
	return p.addressRefusals === undefined
		? null
		: p.addressRefusals.liveFeed + p.addressRefusals.roomJoin;
}

/** The series' refusals summed, or undefined when no point carries them (an older server). */
export function refusalsInSeries(series: readonly MetricsPoint[]): AddressRefusals | undefined {
	let sum: AddressRefusals | undefined;
	for (const p of series) {
		if (p.addressRefusals === undefined) continue;
		sum ??= { liveFeed: 0, roomJoin: 0 };
		sum.liveFeed += p.addressRefusals.liveFeed;
		sum.roomJoin += p.addressRefusals.roomJoin;
	}
	return sum;
}
