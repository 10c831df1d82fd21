// The waiting page (docs/waiting-room.md): join the queue, then the place in it, the
// ETA (a range when the estimator is unsure), what happens next, and "sold out" the
// moment it is true. No Join for a buyer at the per-buyer limit (a turn could buy nothing;
// counted here, or said by the server's refusal of a join), a place dropped by a reset is said
// so, and a room that stayed full past the page's retries is said so, with a Try again. Once
// admitted the page shows the Reserve panel instead, with the admission's countdown above it.

import type { Ticket } from "../../shared/types.ts";
import { clock } from "../lib/format.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { etaText, waitingCardState } from "./queue-poll.ts";
import { TurnNotify } from "./TurnNotify.tsx";
import type { TurnNotifyState } from "./useTurnNotification.ts";

const SOLD_OUT = "Sold out: every unit is sold and no hold can come back. Thank you for waiting.";
const DROPPED =
	"Your place in line is gone: the sale was reset, which empties the queue. Join again for a new place.";

export function WaitingPanel({
	ticket,
	soldOut,
	admitSeconds,
	startsAt,
	joining,
	retry,
	stopped,
	dropped,
	limit,
	onCheckAgain,
	bought,
	nowMs,
	notify,
	onJoin,
}: {
	ticket: Ticket | null;
	/** True from the live stock too: nothing available and nothing held that could return. */
	soldOut: boolean;
	admitSeconds: number;
	startsAt: string | null;
	joining: boolean;
	/** The last join was refused for now (a full room): the server's words, and the wait left. */
	retry: { message: string; inSeconds: number } | null;
	/** The page stopped joining by itself (join-retry.ts): the server's words, the joins it sent. */
	stopped: { message: string; tries: number } | null;
	/** The ticket the page showed is gone: the operator reset the sale, which empties the queue. */
	dropped: boolean;
	/** Why this buyer can buy no more (sale.ts limitReason), or null: then no Join is offered. */
	limit: string | null;
	/** Given when the limit is the server's word (a refused join): join again once it may be lifted. */
	onCheckAgain?: () => void;
	/** This session bought the product in its turn: an ended turn is then no news. */
	bought: boolean;
	/** The server's clock as this page sees it: an admission past its end shows as over. */
	nowMs: number;
	/** The notification the person may ask for when the turn comes in the background. */
	notify?: TurnNotifyState;
	onJoin(): void;
}) {
	const state = waitingCardState(ticket, soldOut, nowMs);
	// The card's news, in one status region that stays mounted while the card does (Layout.tsx:
	// one mounted with its text is not reliably announced): a drop selling out under a buyer in
	// line, a place dropped by a reset, the end of a turn that bought.
	const news =
		state === "sold_out"
			? { class: "why why-sold_out", text: SOLD_OUT }
			: state === "expired" && bought
				? { class: "", text: "Your turn is over. Thank you for your order." }
				: state === null && limit === null && dropped
					? { class: "note", text: DROPPED }
					: null;
	return (
		<section class="card" aria-labelledby="queue-title">
			<h2 id="queue-title" tabIndex={-1}>
				Waiting room
			</h2>
			<p role="status" aria-label="Waiting room news" class={news?.class || "why"}>
				{news?.text ?? ""}
			</p>
			{state === null && limit !== null && (
				<p class="why why-purchase_limit">
					{limit} The queue gives turns to buy, and you cannot buy more, so there is no turn to wait
					for.
				</p>
			)}
			{state === null && limit !== null && onCheckAgain !== undefined && (
				<p>
					<span class="muted small">Cancel a hold there, then check again here. </span>
					<button type="button" disabled={joining} onClick={onCheckAgain}>
						{joining ? "Checking…" : "Check again"}
					</button>
				</p>
			)}
			{state === null && limit === null && (
				<>
					<p>
						This drop lets buyers in by the units left. Join the queue: when your turn comes you get{" "}
						{admitSeconds} seconds to reserve.
					</p>
					{startsAt !== null && Date.parse(startsAt) > Date.now() && (
						<p class="muted small">
							Everyone who joins before {new Date(startsAt).toLocaleTimeString()} gets a random
							place at the start, drawn from a seed published in advance; after that, first come
							first served.
						</p>
					)}
					{retry !== null && (
						<p role="status" class="notice notice-error">
							{retry.message} This page joins again by itself when the wait the server asked for is
							over.
						</p>
					)}
					{stopped !== null && (
						<p role="status" class="notice notice-error">
							{stopped.message} This page stopped joining by itself after {stopped.tries} more{" "}
							{stopped.tries === 1 ? "try" : "tries"}, so a full room is not asked again and again.
							Try again when you like.
						</p>
					)}
					<button
						type="button"
						class="primary"
						disabled={joining || retry !== null}
						onClick={() => {
							// The button goes (or turns off) with the answer: focus to the card's heading,
							// never <body>; the turn, if it comes at once, moves it on to Reserve (YourTurn.tsx).
							moveFocus("queue-title");
							onJoin();
						}}
					>
						{joining
							? "Joining…"
							: retry !== null
								? `Joining again in ${retry.inSeconds} s`
								: stopped !== null
									? "Try again"
									: "Join the queue"}
					</button>
				</>
			)}
			{state === "waiting" && ticket !== null && (
				<div role="status" aria-live="polite">
					{ticket.position === null ? (
						<p>
							You are in the pre-queue. At the start everyone in it gets a random place; this page
							then shows yours.
						</p>
					) : (
						<>
							<p class="queue-position">
								Your place in line: <strong>{ticket.position}</strong>
							</p>
							<p>
								{etaText(ticket) !== null
									? `Estimated wait: ${etaText(ticket)}.`
									: "Estimated wait: not known yet — the line moves as units are sold or come back."}
							</p>
						</>
					)}
					<p class="muted small">
						Keep this page open. When it is your turn, Reserve appears here and you have{" "}
						{admitSeconds} seconds to use it.
					</p>
				</div>
			)}
			{notify !== undefined &&
				(state === "waiting" || (state === "expired" && notify.noPage === "turn")) && (
					<TurnNotify notify={notify} />
				)}
			{/* Not a status: YourTurn.tsx says the turn's end, once. */}
			{state === "expired" && !bought && (
				<p>
					Your turn passed: the {admitSeconds} seconds to reserve ran out. Each buyer gets one turn.
				</p>
			)}
		</section>
	);
}

/**
 * Above the Reserve panel while the admission lasts: a timer, which screen readers do not
 * announce at each second; YourTurn.tsx says the turn and its steps.
 */
export function AdmittedBanner({ ticket, nowMs }: { ticket: Ticket; nowMs: number }) {
	const left =
		ticket.admittedUntil === null ? 0 : (Date.parse(ticket.admittedUntil) - nowMs) / 1000;
	return (
		<p role="timer" aria-label="Time left in your turn" class="notice notice-success">
			It is your turn: reserve within {clock(Math.max(0, left))}.
		</p>
	);
}
