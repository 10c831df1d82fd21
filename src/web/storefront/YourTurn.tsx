// The waiting room's turn for a keyboard and screen-reader buyer: a status region that stays
// mounted (Layout.tsx: live regions announce reliably only when their text changes) says the
// turn once and the time left at a few steps (turn-announcement.ts); when the turn comes,
// focus that the unmounted waiting card dropped moves to the Reserve heading, and when it runs
// out unused, focus dropped with Reserve moves to the waiting card's heading
// (docs/storefront.md, "Focus and small screens").

import { useEffect, useRef } from "preact/hooks";
import type { WaitingRoomInfo } from "../../shared/room-types.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { firstLeftSeconds, turnAnnouncement } from "./turn-announcement.ts";

interface TurnProps {
	/** The admission's end while the turn is on screen (admitted, no hold), else null. */
	until: string | null;
	/** A hold is on screen: the hold panel speaks now, and the turn's end is no news. */
	holding: boolean;
	/** The server's clock as this page sees it. */
	nowMs: number;
}

/**
 * Mounted only while the product has a room, whose admission length bounds a turn as said against
 * the clock estimate's error (turn-announcement.ts firstLeftSeconds).
 */
export function YourTurn({
	room,
	...props
}: TurnProps & { room: Pick<WaitingRoomInfo, "admitSeconds"> | null }) {
	return room === null ? null : <Turn {...props} admitSeconds={room.admitSeconds} />;
}

function Turn({ until, holding, nowMs, admitSeconds }: TurnProps & { admitSeconds: number }) {
	const turn = useRef<{ until: string; firstLeftSeconds: number; held: boolean } | null>(null);
	if (until !== null && turn.current?.until !== until)
		turn.current = {
			until,
			firstLeftSeconds: firstLeftSeconds(Date.parse(until), nowMs, admitSeconds),
			held: false,
		};
	if (turn.current !== null && holding) turn.current.held = true;

	let text = "";
	if (turn.current !== null && !turn.current.held) {
		const left = (Date.parse(turn.current.until) - nowMs) / 1000;
		// Off screen for another reason (the ticket gone in a reset): nothing to say here.
		if (until !== null || left <= 0) text = turnAnnouncement(left, turn.current.firstLeftSeconds);
	}

	const shown = useRef(false);
	useEffect(() => {
		const on = until !== null && !holding;
		const active = document.activeElement;
		const dropped = active === null || active === document.body;
		// The Join button or the place in line had focus and went with the waiting card.
		if (on && !shown.current && (dropped || active.id === "queue-title"))
			moveFocus("reserve-title");
		// The turn ran out: Reserve went, and the waiting card says so.
		else if (!on && shown.current && !holding && dropped) moveFocus("queue-title");
		shown.current = on;
	});

	return (
		<p role="status" aria-label="Your turn" class="visually-hidden">
			{text}
		</p>
	);
}
