// The human check's success sentence, worded from the page's state on every render rather than
// once at the check (docs/storefront.md: an outcome message is removed when the live state makes
// it untrue). Pure: unit-tested in test/unit/storefront-verified-notice.test.ts.

/** What the sentence depends on, as the page shows it now. */
export interface VerifiedState {
	/** The session the check bought still lasts. */
	sessionLive: boolean;
	/** A hold is on screen: paying it is the next step, which the hold panel says. */
	holding: boolean;
	/** The product has a waiting room enabled. */
	room: boolean;
	/** The waiting card offers "Join the queue" (no ticket yet, not sold out, not at the limit). */
	joinOffered: boolean;
	/** Reserve is open (no room, or admitted; not before the start, sold out or at the limit). */
	reserveOpen: boolean;
}

/**
 * The sentence, or null once it has nothing true to say (the session ended, or the buyer
 * joined the queue: the waiting card says where they stand). The next step is named only
 * while it is the step on screen. While Reserve is closed (before the start, sold out, at the
 * limit) it is "" — nothing shown for now, back when Reserve opens: the Reserve panel's own
 * status says why, and "You are verified." alone would be what a screen reader announces the
 * moment a drop sells out (docs/decisions/116-the-storefront-for-keyboard-and-screen-reader-buyers.md).
 */
export function verifiedText(state: VerifiedState): string | null {
	if (!state.sessionLive) return null;
	if (state.holding) return "You are verified.";
	if (state.room)
		return state.joinOffered ? "You are verified. Join the queue to get your turn." : null;
	return state.reserveOpen ? "You are verified. You can reserve now." : "";
}
