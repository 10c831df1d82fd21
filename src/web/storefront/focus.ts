// Keyboard focus after an action: the button that was pressed often disappears
// with the step it belonged to (Reserve → the hold, Pay → the order), and focus
// would fall to <body>. An action names where focus goes next; the element is
// focused (lib/move-focus.ts) after the render that shows it. An outcome said by the
// purchase status (a live region) keeps the focus where it is, and names a heading only for
// when the render took the focus away (docs/decisions/140-one-announcement-per-outcome.md).

import { useCallback, useEffect, useRef } from "preact/hooks";
import { focusLost, moveFocus } from "../lib/move-focus.ts";

export interface FocusRequest {
	/** The element, or the first of these that is on the page. */
	id: string | readonly string[];
	/** Scroll the element to the top of the viewport (a new step on a phone). */
	toTop?: boolean;
	/** Only if focus has nowhere to stay (on <body>, a removed or turned-off control). */
	ifLost?: boolean;
}

/**
 * Where focus goes when an outcome took away the control that acted: the heading of the card
 * the buyer acts in next, the first of these on the page. Never the outcome's own region, which
 * says it already (a focused live region is read twice).
 */
export const OUTCOME_HEADINGS = [
	"hold-title",
	"reserve-title",
	"queue-title",
	"verify-title",
	"product-name",
] as const;

/**
 * After an outcome the purchase status says: focus stays on the control that acted (only
 * `aria-disabled` while it runs), or, when the outcome took that control away, goes to the
 * heading of the card to act in next; never onto the region
 * (docs/decisions/147-the-storefronts-outcome-said-once.md).
 */
export const KEEP_FOCUS: FocusRequest = { id: OUTCOME_HEADINGS, ifLost: true };

export function useFocusAfterRender(): (request: FocusRequest) => void {
	const pending = useRef<FocusRequest | null>(null);
	useEffect(() => {
		const request = pending.current;
		if (request === null) return;
		if (request.ifLost === true) {
			// Preact may run this effect at the start of the next render, before that render takes
			// the control away (the released hold's button): judge where focus is once it is drawn.
			pending.current = null;
			setTimeout(() => {
				if (focusLost()) focusFirst(request);
			}, 0);
			return;
		}
		if (focusFirst(request)) pending.current = null; // else the next render tries again
	});
	// Stable: callers may hand it to children that must not re-render for a new function.
	return useCallback((request: FocusRequest) => {
		pending.current = request;
	}, []);
}

/** Focuses the request's first element on the page; false when none is rendered yet. */
function focusFirst(request: FocusRequest): boolean {
	const ids = typeof request.id === "string" ? [request.id] : request.id;
	const el = ids.map((id) => document.getElementById(id)).find((e) => e !== null) ?? null;
	if (el === null) return false;
	if (request.toTop) el.scrollIntoView({ block: "start" });
	moveFocus(el);
	return true;
}
