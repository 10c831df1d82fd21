// The audit trail, newest first (the API pages oldest first; useDrop keeps the tail).

import type { AuditEvent } from "../../shared/types.ts";
import { describeError } from "../api/outcomes.ts";
import { shortId, time } from "../lib/format.ts";
import { AUDIT_ROWS } from "./trail.ts";
import type { DropView } from "./useDrop.ts";

const at = (ms: number) => time(new Date(ms).toISOString());

export function AuditTrail({
	events,
	problem = null,
}: {
	events: AuditEvent[];
	/** The last read failed: the rows below stop at the read before it (useDrop). */
	problem?: DropView["trailProblem"];
}) {
	return (
		<section class="card" aria-labelledby="audit-title">
			<h2 id="audit-title">Audit trail</h2>
			<p class="muted small">Newest first, the latest {AUDIT_ROWS} events.</p>
			{problem !== null && (
				<p class="error small" role="status" aria-label="Audit trail problem">
					{`Audit trail not updating: its read at ${at(problem.failedAtMs)} failed. ${describeError(problem.error)} The rows below are as of the last read that worked.`}
					{problem.retryAtMs !== null ? ` Next try at ${at(problem.retryAtMs)}.` : ""}
				</p>
			)}
			{/* A scrolling box must be reachable by keyboard to be scrolled by it (WCAG 2.1.1). */}
			{/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region needs to take focus so arrow keys can scroll it. */}
			<section class="table-scroll" aria-label="Audit trail events" tabIndex={0}>
				<table aria-label="Audit trail, newest first">
					<thead>
						<tr>
							<th scope="col">Time</th>
							<th scope="col">Event</th>
							<th scope="col" class="num">
								Qty
							</th>
							<th scope="col">Reservation</th>
							<th scope="col">Order</th>
						</tr>
					</thead>
					<tbody>
						{events.length === 0 && (
							<tr>
								<td colSpan={5} class="muted">
									No events yet.
								</td>
							</tr>
						)}
						{events.map((e) => (
							<tr key={e.id}>
								<td>{time(e.at)}</td>
								<td>{e.type}</td>
								<td class="num">{e.quantity ?? ""}</td>
								<td title={e.reservationId}>{shortId(e.reservationId)}</td>
								<td title={e.orderId}>{shortId(e.orderId)}</td>
							</tr>
						))}
					</tbody>
				</table>
			</section>
		</section>
	);
}
