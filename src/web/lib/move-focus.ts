// Moves keyboard focus to where an action's outcome is: the next step's
// heading, or the message that says what happened. Without it, focus stays on
// a button that has just been disabled or removed, and the browser drops it
// to <body>: a keyboard or screen-reader user is sent back to the page's start.

/** Focuses the element (by id or reference), making it focusable by script if it is not. */
export function moveFocus(target: string | Element | null | undefined): boolean {
	const el = typeof target === "string" ? document.getElementById(target) : target;
	if (!(el instanceof HTMLElement)) return false;
	// tabindex -1: focusable by script, not a stop in the Tab order.
	if (el.tabIndex < 0 && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
	el.focus();
	return document.activeElement === el;
}

/**
 * True when keyboard focus has nowhere useful to stay: on <body>, or on a control that was
 * removed or turned off (`disabled`, or inside an `inert` part) by the last render.
 */
export function focusLost(): boolean {
	const el = document.activeElement;
	if (!(el instanceof HTMLElement) || el === document.body || !el.isConnected) return true;
	return el.matches(":disabled") || el.closest("[inert]") !== null;
}
