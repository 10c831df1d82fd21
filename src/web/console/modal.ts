// A console dialog that is open while its owner says so (the reset's, the edit's confirmation):
// opened with showModal() so the rest of the page is inert, closed when the owner stops asking.
// Escape fires the dialog's `cancel`, which would close it behind the owner's back: it is turned
// into the owner's own "go back" instead, so the owner's state and the dialog never disagree.
// Pure of Preact and the DOM's types (src/web/console/ModalDialog.tsx renders it), so the unit
// tests (test/unit/console-modal.test.ts) drive it with a plain object.

/** What of an HTMLDialogElement this needs. */
export interface ModalElement {
	readonly open: boolean;
	showModal(): void;
	close(): void;
}

/**
 * Brings the dialog to `open`. Says "opened" when it was just shown (the caller then puts the
 * focus where the dialog wants it), "closed" when it was just closed, null when nothing changed.
 */
export function syncModal(el: ModalElement | null, open: boolean): "opened" | "closed" | null {
	if (el === null) return null;
	if (open && !el.open) {
		el.showModal();
		return "opened";
	}
	if (!open && el.open) {
		el.close();
		return "closed";
	}
	return null;
}

/** The dialog's `cancel` (Escape): kept from closing the dialog, and handed to the owner. */
export function cancelTo(onCancel: () => void): (e: { preventDefault(): void }) => void {
	return (e) => {
		e.preventDefault();
		onCancel();
	};
}
