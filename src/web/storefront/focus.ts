// Keyboard focus after an action: the button that was pressed often disappears
// with the step it belonged to (Reserve → the hold, Pay → the order), and focus
// would fall to <body>. An action names where focus goes next; the element is
// focused (lib/move-focus.ts) after the render that shows it.

import { useCallback, useEffect, useRef } from "preact/hooks";
import { moveFocus } from "../lib/move-focus.ts";

export interface FocusRequest {
	id: string;
	/** Scroll the element to the top of the viewport (a new step on a phone). */
	toTop?: boolean;
}

export function useFocusAfterRender(): (request: FocusRequest) => void {
	const pending = useRef<FocusRequest | null>(null);
	useEffect(() => {
		const request = pending.current;
		if (request === null) return;
		const el = document.getElementById(request.id);
		if (el === null) return; // not rendered yet: the next render tries again
		pending.current = null;
		if (request.toTop) el.scrollIntoView({ block: "start" });
		moveFocus(el);
	});
	// Stable: callers may hand it to children that must not re-render for a new function.
	return useCallback((request: FocusRequest) => {
		pending.current = request;
	}, []);
}
