// The drop's numbers: live counters, oversell (red the moment it is not 0),
// attempts and rejections by reason, and the eventual-mode contrast.

import type { Availability, Stats } from "../../shared/types.ts";
import { Metric } from "../components/Metric.tsx";
import { counted } from "../lib/format.ts";
import { addressRefusalsLine } from "./address-refusals.ts";
import { coverageNote, coveredLabel } from "./fairness-coverage.ts";

export function Counters({
	counters,
	stats,
}: {
	counters: Availability | Stats | null;
	stats: Stats | null;
}) {
	const oversell = stats?.oversellCount ?? 0;
	return (
		<section class="card" aria-labelledby="counters-title">
			<h2 id="counters-title">Live counters</h2>
			<div class="metrics">
				<Metric label="Available">{counters?.available ?? "–"}</Metric>
				<Metric label="Reserved">{counters?.reserved ?? "–"}</Metric>
				<Metric label="Sold">{counters?.sold ?? "–"}</Metric>
				<Metric label="Total">{counters?.total ?? "–"}</Metric>
				<Metric label="Oversold" alert={oversell > 0}>
					{stats ? oversell : "–"}
				</Metric>
			</div>
			{/* Mounted empty, so an oversell is announced when it appears. */}
			<p
				role="alert"
				aria-label="Oversold"
				class={oversell > 0 ? "notice notice-error" : "notice-empty"}
			>
				{oversell > 0 ? `Oversold by ${oversell}: more units are held or sold than exist.` : ""}
			</p>
		</section>
	);
}

export function Rejections({ stats }: { stats: Stats | null }) {
	const reasons = Object.entries(stats?.rejected ?? {}).sort((a, b) => b[1] - a[1]);
	const rejected = reasons.reduce((sum, [, n]) => sum + n, 0);
	return (
		<section class="card" aria-labelledby="attempts-title">
			<h2 id="attempts-title">Attempts</h2>
			<p>
				<strong>{stats?.attempts ?? "–"}</strong> reserve attempts, <strong>{rejected}</strong>{" "}
				rejected.
			</p>
			<table aria-label="Rejections by reason">
				<thead>
					<tr>
						<th scope="col">Reason</th>
						<th scope="col" class="num">
							Count
						</th>
					</tr>
				</thead>
				<tbody>
					{reasons.length === 0 && (
						<tr>
							<td colSpan={2} class="muted">
								No rejections yet.
							</td>
						</tr>
					)}
					{reasons.map(([code, n]) => (
						<tr key={code}>
							<td>{code}</td>
							<td class="num">{n}</td>
						</tr>
					))}
				</tbody>
			</table>
			{stats?.eventual && (
				<p class={stats.eventual.oversellDelta > 0 ? "banner banner-warn" : "muted"}>
					Eventual mode (demo): {stats.eventual.allocated} allocated, oversell delta{" "}
					<strong>{stats.eventual.oversellDelta}</strong>
				</p>
			)}
		</section>
	);
}

/** The waiting room's admission rate, named as the estimate it is (not admissions counted). */
const RATE_LABEL = "Admission rate / min (wait estimate)";

/** The waiting room's figures (docs/waiting-room.md), while the SKU has a room. */
export function QueueFigures({ stats }: { stats: Stats | null }) {
	const queue = stats?.queue;
	if (queue === undefined) return null;
	return (
		<section class="card" aria-labelledby="queue-figures-title">
			<h2 id="queue-figures-title">Waiting room</h2>
			<div class="metrics">
				<Metric label="In line">{queue.waiting}</Metric>
				<Metric label="Admitted now">{queue.admitted}</Metric>
				<Metric label="Admitted in all">{queue.admittedTotal}</Metric>
				<Metric label="Lapsed">{queue.lapsed}</Metric>
				<Metric label="Sold-out tickets">{queue.soldOutTickets}</Metric>
				<Metric label={RATE_LABEL}>{Math.round(queue.admissionsPerSec * 60)}</Metric>
			</div>
			{/* The rate is the wait estimate's (docs/waiting-room.md, "The estimator"), not a count. */}
			<p class="muted small">
				{RATE_LABEL}: the pace the buyers' wait estimate uses, admissions in the last minute over at
				least 30 s, so one admission in the first 30 s reads as 2 a minute. An estimate, not a
				count: Admitted in all is the count.
			</p>
		</section>
	);
}

const percent = (part: number, whole: number) =>
	whole === 0 ? "–" : `${Math.round((part / whole) * 100)} %`;
const ratio = (x: number | null) => (x === null ? "–" : x.toFixed(2));

/**
 * What the server can honestly say about fairness (docs/waiting-room.md, "Fairness
 * the server can see"): how evenly units went round the sessions that asked, and how
 * the sessions its bot signals look on as suspect fared. Not who is a person.
 */
export function FairnessFigures({ stats }: { stats: Stats | null }) {
	const f = stats?.fairness;
	if (f === undefined) return null;
	const refused = addressRefusalsLine(stats?.addressRefusals);
	const suspect =
		f.flagged === null || f.unread === null
			? null
			: {
					sessions: f.flagged.sessions + f.unread.sessions,
					units: f.flagged.units + f.unread.units,
				};
	// Partial after the object slept (decision 193): the session figures are labelled "since …".
	const note = coverageNote(f);
	const since = (label: string) => coveredLabel(label, f);
	return (
		<section class="card" aria-labelledby="fairness-title">
			<h2 id="fairness-title">Fairness</h2>
			{note !== null && <p class="small">{note}</p>}
			<div class="metrics">
				<Metric label={since("Sessions asking")}>{f.sessions}</Metric>
				<Metric label="Units to them">{f.units}</Metric>
				<Metric label={since("Jain's index")}>{ratio(f.jainIndex)}</Metric>
				{stats?.queue !== undefined && (
					<Metric label="Units per admission">{ratio(f.unitsPerAdmission)}</Metric>
				)}
				{suspect !== null && (
					<>
						<Metric label={since("Suspect sessions")}>
							{percent(suspect.sessions, f.sessions)}
						</Metric>
						<Metric label={since("Units to suspect sessions")}>
							{percent(suspect.units, f.units)}
						</Metric>
						<Metric label={since("Clear sessions' share ratio")}>{ratio(f.clearShareRatio)}</Metric>
					</>
				)}
			</div>
			{f.flagged !== null && f.unread !== null && f.clear !== null ? (
				<p class="muted small">
					Suspect: flagged by the bot signals ({counted(f.flagged.sessions, "session")},{" "}
					{counted(f.flagged.units, "unit")}) or never read the product before trying (
					{counted(f.unread.sessions, "session")}, {counted(f.unread.units, "unit")}); clear:{" "}
					{counted(f.clear.sessions, "session")}, {counted(f.clear.units, "unit")}. A share ratio of
					1 means the clear sessions got their share. The server cannot tell a person from a script
					that reads first: only a simulated drop knows who was who.
				</p>
			) : (
				<p class="muted small">
					Bot signals are off (rate limits off), so the server cannot split the sessions.
				</p>
			)}
			{refused !== null && <p class="small">{refused}</p>}
		</section>
	);
}
