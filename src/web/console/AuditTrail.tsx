// The audit trail, newest first: the newest events followed live (the API pages oldest first;
// useDrop keeps the tail), or an older page the operator paged to (useTrailPages). Each row says
// what its event's `detail` holds, and names the escrow's transfers of a split SKU as such
// (src/web/console/event-detail.ts).

import type { AuditEvent } from "../../shared/types.ts";
import { describeError } from "../api/outcomes.ts";
import { shortId, time } from "../lib/format.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { DETAIL_CHARS, type DetailPart, describeEvent, PART_SEPARATOR } from "./event-detail.ts";
import { AUDIT_ROWS } from "./trail.ts";
import type { DropView } from "./useDrop.ts";
import type { TrailPages } from "./useTrailPages.ts";

const at = (ms: number) => time(new Date(ms).toISOString());
const ROWS_ID = "audit-rows";

/** A detail pair by pair, each instant a <time> whose title is the ISO text the server wrote. */
function Parts({ parts }: { parts: DetailPart[] }) {
	return (
		<>
			{parts.map((p, i) => (
				<span key={`${i}:${p.key}`}>
					{i > 0 ? PART_SEPARATOR : ""}
					{`${p.key}: `}
					{p.iso === undefined ? (
						p.value
					) : (
						<time dateTime={p.iso} title={p.iso}>
							{p.value}
						</time>
					)}
				</span>
			))}
		</>
	);
}

function EventRow({ e }: { e: AuditEvent }) {
	const words = describeEvent(e);
	const cut = words.detail.length > DETAIL_CHARS;
	return (
		<tr>
			<td>{time(e.at)}</td>
			<td title={words.name === e.type ? undefined : e.type}>{words.name}</td>
			<td class="num">{e.quantity ?? ""}</td>
			<td title={e.reservationId}>{shortId(e.reservationId)}</td>
			<td title={e.orderId}>{shortId(e.orderId)}</td>
			<td class="detail" title={cut ? words.detail : undefined}>
				{cut ? (
					`${words.detail.slice(0, DETAIL_CHARS)}…`
				) : words.parts === null ? (
					words.detail
				) : (
					<Parts parts={words.parts} />
				)}
			</td>
		</tr>
	);
}

function Pager({ events, pages }: { events: AuditEvent[]; pages: TrailPages }) {
	const rows = pages.page?.rows ?? events;
	const bottom = rows.at(-1);
	// The live view lists the whole trail while it holds fewer than AUDIT_ROWS events.
	const olderExist =
		bottom !== undefined &&
		bottom.cursor !== pages.firstCursor &&
		(pages.page !== null || events.length >= AUDIT_ROWS);
	// The rows are the outcome: focus goes there, as the button pressed may be gone; not when the
	// answer was dropped because another drop was picked (the operator is elsewhere by then).
	const then = (p: Promise<boolean>) =>
		void p.then((shown) => {
			if (shown) moveFocus(ROWS_ID);
		});
	const busy = pages.reading ? "true" : undefined;
	return (
		<div class="row">
			{olderExist && (
				<button
					type="button"
					aria-disabled={busy}
					onClick={() => bottom && then(pages.older(bottom))}
				>
					Older events
				</button>
			)}
			{pages.page !== null && (
				<>
					<button type="button" aria-disabled={busy} onClick={() => then(pages.newer())}>
						Newer events
					</button>
					<button
						type="button"
						onClick={() => {
							pages.live();
							moveFocus(ROWS_ID);
						}}
					>
						Back to the newest (live)
					</button>
				</>
			)}
			{pages.reading && <span class="muted small">Reading…</span>}
		</div>
	);
}

export function AuditTrail({
	events,
	problem = null,
	pages,
}: {
	events: AuditEvent[];
	/** The last read failed: the rows below stop at the read before it (useDrop). */
	problem?: DropView["trailProblem"];
	pages: TrailPages;
}) {
	const older = pages.page;
	const rows = older?.rows ?? events;
	const first = rows.at(-1);
	const last = rows[0];
	return (
		<section class="card" aria-labelledby="audit-title">
			<h2 id="audit-title">Audit trail</h2>
			<p class="muted small" aria-live="polite">
				{older === null
					? `Newest first, the latest ${AUDIT_ROWS} events, updated live.`
					: `Older events, newest first: ${rows.length} from ${first ? time(first.at) : ""} to ${last ? time(last.at) : ""}. This page does not update; "Back to the newest" follows the trail again.`}
				{first !== undefined && first.cursor === pages.firstCursor
					? " The last row is the trail's first event."
					: ""}
			</p>
			{/* Mounted empty while the trail is read, so its first sentence is announced. */}
			<p
				class={problem !== null && older === null ? "error small" : "notice-empty"}
				role="status"
				aria-label="Audit trail problem"
			>
				{problem !== null && older === null
					? `Audit trail not updating: its read at ${at(problem.failedAtMs)} failed. ${describeError(problem.error)} The rows below are as of the last read that worked.` +
						(problem.retryAtMs !== null ? ` Next try at ${at(problem.retryAtMs)}.` : "")
					: ""}
			</p>
			{/* Mounted empty, so its first sentence is announced (decision 140). */}
			<p
				class={
					pages.note === null
						? "notice-empty"
						: pages.note.tone === "error"
							? "error small"
							: "muted small"
				}
				role="status"
				aria-label="Audit trail paging"
			>
				{pages.note?.text ?? ""}
				{pages.note?.error ? ` ${describeError(pages.note.error)}` : ""}
			</p>
			<Pager events={events} pages={pages} />
			{/* A scrolling box must be reachable by keyboard to be scrolled by it (WCAG 2.1.1). */}
			{/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region needs to take focus so arrow keys can scroll it. */}
			<section class="table-scroll" id={ROWS_ID} aria-label="Audit trail events" tabIndex={0}>
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
							<th scope="col">Detail</th>
						</tr>
					</thead>
					<tbody>
						{rows.length === 0 && (
							<tr>
								<td colSpan={6} class="muted">
									No events yet.
								</td>
							</tr>
						)}
						{rows.map((e) => (
							<EventRow key={e.id} e={e} />
						))}
					</tbody>
				</table>
			</section>
		</section>
	);
}
