// "Reset drop" asks first: a modal dialog that says what a reset releases and
// what it keeps (docs/decisions/001-reset-keeps-paid-orders.md), and arms its
// button only once the operator has typed the SKU — the confirmation GitHub
// and Cloudflare ask for before an action that cannot be undone. While a reset runs (`busy`) the
// confirm is aria-disabled and a submit does nothing, as Create drop, Save changes and Pay are: a
// double click is one reset, not a second one (its own Idempotency-Key: a new reset to the server).

import { useState } from "preact/hooks";
import { ModalDialog } from "./ModalDialog.tsx";

export function ResetDialog({
	sku,
	open,
	busy,
	onConfirm,
	onCancel,
}: {
	sku: string;
	open: boolean;
	/** A reset is running: the dialog may still be closing when a second click lands. */
	busy: boolean;
	onConfirm(): void;
	onCancel(): void;
}) {
	const [typed, setTyped] = useState("");

	const matches = typed === sku;
	return (
		// Modal: the rest of the page is inert, Escape cancels, focus goes to the input.
		<ModalDialog
			open={open}
			labelledBy="reset-dialog-title"
			describedBy="reset-dialog-what"
			onOpened={() => setTyped("")}
			onCancel={onCancel}
		>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					if (matches && !busy) onConfirm();
				}}
			>
				<h2 id="reset-dialog-title">Reset {sku}?</h2>
				<div id="reset-dialog-what">
					<p>
						Every hold that is not paid is released and its units go back on sale. The attempt and
						rejection counters start again from zero.
					</p>
					<p>
						<strong>Paid orders stay</strong>, with their units sold: buyers keep what they bought.
						The audit trail records the reset. Resets are limited to one a minute.
					</p>
				</div>
				<label class="confirm-input">
					<span>
						Type <strong>{sku}</strong> to confirm
					</span>
					<input
						type="text"
						name="confirm-sku"
						autoComplete="off"
						spellcheck={false}
						autoCapitalize="off"
						value={typed}
						onInput={(e) => setTyped(e.currentTarget.value)}
					/>
				</label>
				<div class="actions">
					<button
						type="submit"
						class="danger"
						disabled={!matches}
						aria-disabled={busy ? "true" : undefined}
					>
						Reset {sku}
					</button>
					<button type="button" onClick={onCancel}>
						Cancel
					</button>
				</div>
			</form>
		</ModalDialog>
	);
}
