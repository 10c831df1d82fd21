// "Edit drop": the selected drop's PATCH (docs/api.md, Operator). The form is read from the
// server when opened, sends only the fields the operator changed (each is recorded as sent in
// `product.updated`), asks before a change that takes something away from buyers, and puts
// the server's refusal under the field its message names (a stock cut below the units held or
// sold, a later start on a started room, a price the provider cannot charge). Save reads the
// drop again before it asks: the confirmation's counts are that read's, and a drop changed since
// the form opened is said (src/web/console/edit-confirm.ts). The line of units held and sold
// follows the Live counters while the form is open, with their time (held-line.ts).
//
// Everything here belongs to one drop: App mounts a new form for each drop picked, and an answer
// that lands after another drop was picked changes nothing on screen; a save is diffed only
// against a read of the drop it is sent to
// (docs/decisions/101-console-answers-belong-to-their-drop.md).

import { useEffect, useRef, useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";
import { time } from "../lib/format.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { DropFields, type FieldErrors, valuesFromForm } from "./DropFields.tsx";
import { EditConfirmDialog } from "./EditConfirmDialog.tsx";
import { confirmationOf, type Reread } from "./edit-confirm.ts";
import {
	type EditField,
	fieldOfMessage,
	type ProductPatch,
	patchOf,
	valuesOf,
} from "./edit-form.ts";
import { type HeldLine, heldLine } from "./held-line.ts";
import { outcomeUnknown } from "./reset-outcome.ts";

/** The names of what a PATCH changes, for the success sentence. */
function changedNames(patch: ProductPatch): string {
	const names: string[] = [];
	if (patch.name !== undefined) names.push("name");
	if (patch.priceCents !== undefined) names.push("price");
	if (patch.currency !== undefined) names.push("currency");
	if (patch.totalStock !== undefined) names.push("total stock");
	if (patch.holdSeconds !== undefined) names.push("hold seconds");
	if (patch.perUserLimit !== undefined) names.push("per-buyer limit");
	if (patch.startsAt !== undefined) names.push("start");
	if (patch.waitingRoom !== undefined) names.push("waiting room");
	return names.join(", ");
}

/** A refusal in the server's words; an answer that was lost says what is safe to do next. */
function refusalText(r: ApiErr): string {
	if (r.code === "invalid_request" || r.code === "invalid_state") return r.message;
	if (outcomeUnknown(r))
		return `The answer was lost (${describeError(r)}): the change may have been made. Saving again is safe: a change to the values the drop already has records nothing.`;
	return describeError(r);
}

/** The held-and-sold line in words, with the time its numbers are as of. */
function heldText(line: HeldLine): string {
	const counts = `${line.held} held, ${line.sold} sold`;
	return line.live
		? `As of ${time(line.asOf)}: ${counts} (the Live counters).`
		: `As of ${time(line.asOf)}, when the form read the drop: ${counts}.`;
}

export function EditDrop({
	api,
	sku,
	counters,
	onNotice,
	onRetry,
	onSaved,
}: {
	api: ApiClient;
	sku: string;
	/** The Live counters the console shows for the selected drop (useDrop.ts), null before any. */
	counters: Pick<Product["availability"], "sku" | "reserved" | "sold" | "asOf"> | null;
	onNotice(n: NoticeValue): void;
	/** A new save begins: the notice of the last one goes, if it is still shown. */
	onRetry(): void;
	onSaved(p: Product): void;
}) {
	/** The drop as last read or saved: what the form shows and compares against. */
	const [product, setProduct] = useState<Product | null>(null);
	/** When `product` was answered (epoch ms): the confirmation says it when it has nothing newer. */
	const [readAtMs, setReadAtMs] = useState(0);
	/** Save is reading the drop again before it asks or sends. */
	const [checking, setChecking] = useState(false);
	const [open, setOpen] = useState(false);
	const [reading, setReading] = useState(false);
	const [busy, setBusy] = useState(false);
	const [errors, setErrors] = useState<FieldErrors>({});
	const [problem, setProblem] = useState<string | null>(null);
	const [pending, setPending] = useState<{ patch: ProductPatch; said: string[] } | null>(null);
	// A new generation puts every field back to what `product` says (after a read or a save).
	const [generation, setGeneration] = useState(0);
	const [focusOn, setFocusOn] = useState<{ id: string } | null>(null);
	const form = useRef<HTMLFormElement>(null);
	// The drop this form is about now; an answer for another one (read or saved before the
	// operator picked this drop) is not shown here.
	const current = useRef<string | null>(sku);
	current.current = sku;
	useEffect(
		() => () => {
			current.current = null;
		},
		[],
	);
	useEffect(() => {
		if (focusOn !== null) moveFocus(focusOn.id);
	}, [focusOn]);

	// Another drop picked: the form was about the last one.
	useEffect(() => {
		setOpen(false);
		setProduct(null);
		setPending(null);
	}, [sku]);

	const refuse = (field: EditField | null, text: string) => {
		if (field === null) {
			setErrors({});
			setProblem(text);
			setFocusOn({ id: "edit-problem" });
		} else {
			setProblem(null);
			setErrors({ [field]: text });
			setFocusOn({ id: `edit-${field}` });
		}
	};

	const read = async () => {
		const asked = sku;
		setReading(true);
		const r = await api.product(asked);
		if (current.current !== asked || (r.ok && r.data.sku !== asked)) return;
		setReading(false);
		if (!r.ok) {
			setProblem(`Could not read ${sku}: ${describeError(r)}`);
			setFocusOn({ id: "edit-problem" });
			return;
		}
		setProduct(r.data);
		setReadAtMs(Date.now());
		setErrors({});
		setProblem(null);
		setGeneration((g) => g + 1);
		setOpen(true);
		setFocusOn({ id: "edit-name" });
	};

	const send = async (patch: ProductPatch) => {
		setPending(null);
		const asked = sku;
		setBusy(true);
		const r = await api.updateProduct(asked, patch);
		if (current.current !== asked) {
			// Saved (or not) for the drop picked before: say so, but leave this drop's form alone.
			if (r.ok) {
				onNotice({ tone: "success", text: `Saved ${asked}: ${changedNames(patch)} changed.` });
				onSaved(r.data);
			} else onNotice({ tone: "error", text: `${asked} not saved: ${refusalText(r)}` });
			return;
		}
		setBusy(false);
		if (r.ok) {
			setProduct(r.data);
			setReadAtMs(Date.now());
			setErrors({});
			setProblem(null);
			setGeneration((g) => g + 1);
			// The form is built anew: focus goes to its new Save (the notice says the outcome).
			setFocusOn({ id: "edit-save" });
			onNotice({ tone: "success", text: `Saved ${sku}: ${changedNames(patch)} changed.` });
			onSaved(r.data);
			return;
		}
		const text = refusalText(r);
		const named = r.status === 400 || r.status === 409 ? fieldOfMessage(r.message) : null;
		// A field the PATCH did not send cannot be the one refused (a room's settings when only
		// its switch changed are named by the switch).
		refuse(named, named === null ? `Not saved: ${text}` : text);
	};

	const submit = async () => {
		// Only ever diffed against a read of the drop the PATCH goes to.
		if (product === null || product.sku !== sku || form.current === null) return;
		onRetry();
		const made = patchOf(valuesOf(product), valuesFromForm(form.current));
		if (!made.ok) return refuse(made.field, made.message);
		if (Object.keys(made.patch).length === 0)
			return refuse(null, "Nothing changed: every field shows what the drop already has.");
		// The confirmation is judged on the drop as it is now, not as the form read it.
		const asked = sku;
		setChecking(true);
		const r = await api.product(asked);
		if (current.current !== asked) return;
		setChecking(false);
		const reread: Reread =
			r.ok && r.data.sku === asked
				? { ok: true, product: r.data }
				: { ok: false, problem: r.ok ? "another drop answered" : describeError(r) };
		const said = confirmationOf(product, reread, made.patch, Date.now(), readAtMs);
		if (said.length > 0) setPending({ patch: made.patch, said });
		else void send(made.patch);
	};

	const shards = product?.shards ?? 1;
	const shown = open && product !== null && product.sku === sku;
	return (
		<section class="card" aria-labelledby="edit-title">
			<div class="row">
				<h2 id="edit-title">Edit {sku}</h2>
				<button
					type="button"
					id="edit-toggle"
					aria-expanded={open ? "true" : "false"}
					aria-controls="edit-form"
					aria-disabled={reading ? "true" : undefined}
					onClick={() => {
						if (open) {
							setOpen(false);
							setFocusOn({ id: "edit-toggle" });
						} else if (!reading) void read();
					}}
				>
					{open ? "Close the edit form" : reading ? "Reading the drop…" : "Edit drop"}
				</button>
			</div>
			{shown && (
				<form
					id="edit-form"
					key={generation}
					ref={form}
					noValidate
					onSubmit={(e) => {
						e.preventDefault();
						if (!busy && !checking) void submit();
					}}
				>
					<p class="muted small">
						Only the fields you change are sent. Holds already taken keep their price.{" "}
						{shards > 1
							? `Split across ${shards} objects, fixed when it was created.`
							: "One object (shards are fixed at create)."}{" "}
						{heldText(heldLine(product.availability, counters))}
					</p>
					<div class="form-grid">
						<DropFields
							idPrefix="edit"
							values={valuesOf(product)}
							errors={errors}
							startsAtLabel="Starts at (empty: on sale now)"
						/>
					</div>
					<div class="actions">
						<button
							type="submit"
							class="primary"
							id="edit-save"
							aria-disabled={busy || checking ? "true" : undefined}
						>
							{busy ? "Saving…" : checking ? "Reading the drop…" : "Save changes"}
						</button>
					</div>
				</form>
			)}
			{/* A focus target, not a live region, like a field's refusal (the field takes the focus):
			    focused as a live region too it would be read twice (decision 140). */}
			{problem !== null && (
				<p class="notice notice-error" id="edit-problem" tabIndex={-1}>
					{problem}
				</p>
			)}
			<EditConfirmDialog
				sku={sku}
				said={pending?.said ?? null}
				onConfirm={() => pending !== null && void send(pending.patch)}
				onCancel={() => {
					setPending(null);
					setFocusOn({ id: "edit-save" });
				}}
			/>
		</section>
	);
}
