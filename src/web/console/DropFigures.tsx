// The drop's figures, in the order the console shows them: the live counters, the waiting room's
// and the fairness figures, the live feed's places, the attempts beside the stock chart, and the
// decision latency.

import { LatencyPanel, StockChart } from "./Charts.tsx";
import { Counters, FairnessFigures, QueueFigures, Rejections } from "./Counters.tsx";
import { LiveFeedFigures } from "./LiveFeedFigures.tsx";
import type { DropView } from "./useDrop.ts";

export function DropFigures({ view }: { view: DropView }) {
	return (
		<>
			<Counters counters={view.counters} stats={view.stats} />
			<QueueFigures stats={view.stats} />
			<FairnessFigures stats={view.stats} />
			<LiveFeedFigures stats={view.stats} />
			<div class="grid-2">
				<Rejections stats={view.stats} />
				<StockChart history={view.history} />
			</div>
			<LatencyPanel metrics={view.metrics} />
		</>
	);
}
