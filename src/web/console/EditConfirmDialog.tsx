// An edit that takes something away from buyers (a stock cut, sales stopped by a later start,
// a waiting room turned off: src/web/console/edit-form.ts `destructiveChanges`) asks first, in a
// modal dialog that says what it does. Nothing is sent until "Apply changes"; Escape goes back.

import { ModalDialog } from "./ModalDialog.tsx";

export function EditConfirmDialog({
	sku,
	said,
	onConfirm,
	onCancel,
}: {
	sku: string;
	/** What the change does, one sentence each; the dialog is open while there is any. */
	said: readonly string[] | null;
	onConfirm(): void;
	onCancel(): void;
}) {
	return (
		<ModalDialog
			open={said !== null && said.length > 0}
			labelledBy="edit-dialog-title"
			describedBy="edit-dialog-what"
			// Focus on the safe choice: Enter on a stock cut is not an accident waiting to happen.
			onOpened={(el) => el.querySelector<HTMLButtonElement>("button[data-back]")?.focus()}
			onCancel={onCancel}
		>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					onConfirm();
				}}
			>
				<h2 id="edit-dialog-title">Change {sku}?</h2>
				<ul id="edit-dialog-what">
					{(said ?? []).map((s) => (
						<li key={s}>{s}</li>
					))}
				</ul>
				<div class="actions">
					<button type="submit" class="danger">
						Apply changes
					</button>
					<button type="button" data-back onClick={onCancel}>
						Go back
					</button>
				</div>
			</form>
		</ModalDialog>
	);
}
