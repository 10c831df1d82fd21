// The console's modal dialog (src/web/console/modal.ts): open while `open`, Escape is the
// owner's cancel. ResetDialog and EditConfirmDialog put their words and buttons inside.

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { cancelTo, syncModal } from "./modal.ts";

export function ModalDialog({
	open,
	labelledBy,
	describedBy,
	onOpened,
	onCancel,
	children,
}: {
	open: boolean;
	labelledBy: string;
	describedBy: string;
	/** Just shown: where the focus goes (showModal puts it on the first control otherwise). */
	onOpened?(el: HTMLDialogElement): void;
	onCancel(): void;
	children: ComponentChildren;
}) {
	const dialog = useRef<HTMLDialogElement>(null);
	useEffect(() => {
		const el = dialog.current;
		if (syncModal(el, open) === "opened" && el !== null) onOpened?.(el);
	}, [open]);
	return (
		<dialog
			ref={dialog}
			class="confirm"
			aria-labelledby={labelledBy}
			aria-describedby={describedBy}
			onCancel={cancelTo(onCancel)}
		>
			{children}
		</dialog>
	);
}
