// What stays on screen through every step: the session's time left, the cost
// meter (real spend, locked at $0, and the modelled virtual spend) and the guardrail.

import type { CostLedger, Guardrail } from "../../shared/types.ts";
import type { Session } from "../api/client.ts";
import { Metric } from "../components/Metric.tsx";
import { clock, usd } from "../lib/format.ts";

export function SessionBanner({ session, nowMs }: { session: Session; nowMs: number }) {
	const left = (Date.parse(session.expiresAt) - nowMs) / 1000;
	return (
		<p class="banner" role="status" aria-label="Session">
			<span>
				Session active · <strong>{left > 0 ? clock(left) : "expired"}</strong> left of 20 minutes
			</span>
			<span class="muted small">
				Stored in KV: session id, a hash of the IP, timestamps. No personal data.
			</span>
		</p>
	);
}

export function CostMeter({
	cost,
	guardrail,
}: {
	cost: CostLedger | null;
	guardrail: Guardrail | null;
}) {
	return (
		<section class="card meter" aria-label="Cost meter">
			<div class="metrics">
				<Metric label="Real spend">{usd(cost?.realUsd ?? 0)}</Metric>
				<Metric label="Virtual spend (list prices)">{usd(cost?.virtualUsd ?? 0, 6)}</Metric>
				<Metric label="Guardrail" alert={guardrail?.tripped === true}>
					{guardrail
						? `${guardrail.tripped ? "tripped" : "armed"} at ${usd(guardrail.thresholdUsd, 4)}`
						: "–"}
				</Metric>
			</div>
			<p class="muted small">
				{cost
					? `Billing scale ${cost.billingScale} and cost limit ${usd(cost.limitUsd)}: real billing rounds down to $0.`
					: "No requests yet."}
			</p>
		</section>
	);
}
