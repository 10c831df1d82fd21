// The live feed's places during a drop (src/web/console/live-feed-figures.ts): whether the cap
// makes room by closing silent sockets, who is refused, by the feed's total or an address's, and
// whether a script floods it (closed 4429, its address cooling down).

import type { Stats } from "../../shared/types.ts";
import { Metric } from "../components/Metric.tsx";
import { liveFeedFigures } from "./live-feed-figures.ts";

export function LiveFeedFigures({ stats }: { stats: Stats | null }) {
	const figures = liveFeedFigures(stats?.live);
	if (figures === null) return null;
	return (
		<section class="card" aria-labelledby="live-feed-title">
			<h2 id="live-feed-title">Live feed</h2>
			<div class="metrics">
				{figures.map((f) => (
					<Metric key={f.label} label={f.label} alert={f.alert}>
						{f.value}
					</Metric>
				))}
			</div>
			<p class="muted small">
				Open and by address: the feed's sockets now. Since the last reset: sockets silent for the
				idle bound closed (4408) because an upgrade wanted their place, and upgrades refused with
				the feed full (503, the page reads every 10 s instead) or at an address's cap (429); sockets
				closed for sending more messages than the feed takes (4429), and their address's upgrades
				refused for 5 s after (429). A crash may lose the last second of these counts.
			</p>
		</section>
	);
}
