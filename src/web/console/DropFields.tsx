// The fields of a drop that both console forms take, create and edit (docs/api.md, Operator and
// "Waiting room"): uncontrolled inputs read back with FormData (`valuesFromForm`), each with
// room for the server's refusal under it (`errors`, by field) tied to the input for screen readers.

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import {
	MAX_ADMIT_SECONDS,
	MAX_OVERBOOK,
	MIN_ADMIT_SECONDS,
} from "../../domain/waiting-room-records.ts";
import { priceStep } from "../lib/format.ts";
import type { EditField, EditValues } from "./edit-form.ts";

export type FieldErrors = Partial<Record<EditField, string>>;

/** The form's values as typed (a disabled input, the room's settings when it is off, reads ""). */
export function valuesFromForm(form: HTMLFormElement): EditValues {
	const f = new FormData(form);
	const text = (name: string) => String(f.get(name) ?? "");
	return {
		name: text("name"),
		price: text("price"),
		currency: text("currency"),
		totalStock: text("totalStock"),
		holdSeconds: text("holdSeconds"),
		perUserLimit: text("perUserLimit"),
		startsAt: text("startsAt"),
		roomEnabled: f.get("roomEnabled") === "on",
		admitSeconds: text("admitSeconds"),
		overbook: text("overbook"),
	};
}

/** A label around its input, and the server's refusal under it when there is one. */
function Field({
	label,
	field,
	idPrefix,
	errors,
	wide,
	children,
}: {
	label: string;
	field: EditField;
	idPrefix: string;
	errors: FieldErrors;
	wide?: boolean;
	children(describedBy: {
		id: string;
		"aria-invalid"?: "true";
		"aria-describedby"?: string;
	}): ComponentChildren;
}) {
	const error = errors[field];
	const id = `${idPrefix}-${field}`;
	const errorId = `${id}-error`;
	// The refusal sits beside the label, not in it: the field's name stays its label alone.
	return (
		<div class={wide ? "field form-wide" : "field"}>
			<label for={id}>{label}</label>
			{children({
				id,
				...(error ? { "aria-invalid": "true", "aria-describedby": errorId } : {}),
			})}
			{error && (
				<span class="error small field-error" id={errorId}>
					{error}
				</span>
			)}
		</div>
	);
}

export function DropFields({
	idPrefix,
	values,
	errors,
	startsAtLabel,
	beforeRoom,
}: {
	idPrefix: string;
	values: EditValues;
	errors: FieldErrors;
	startsAtLabel: string;
	/** Fields of one form only, shown before the waiting room's (the create form's shards). */
	beforeRoom?: ComponentChildren;
}) {
	// The price's step follows the currency typed: whole yen, cents, thousandths of a dinar.
	const [currency, setCurrency] = useState(values.currency);
	const [roomOn, setRoomOn] = useState(values.roomEnabled);
	const shared = { idPrefix, errors };
	return (
		<>
			<Field label="Name" field="name" {...shared}>
				{(a) => (
					<input
						{...a}
						type="text"
						name="name"
						required
						maxLength={200}
						defaultValue={values.name}
					/>
				)}
			</Field>
			<Field label="Price" field="price" {...shared}>
				{(a) => (
					<input
						{...a}
						type="number"
						name="price"
						required
						min={0}
						step={priceStep(currency)}
						defaultValue={values.price}
					/>
				)}
			</Field>
			<Field label="Currency" field="currency" {...shared}>
				{(a) => (
					<input
						{...a}
						type="text"
						name="currency"
						required
						pattern="[A-Za-z]{3}"
						maxLength={3}
						// Said in the browser's bubble when the pattern refuses what was typed.
						title="Three letters, such as USD, EUR or JPY."
						defaultValue={values.currency}
						onInput={(e) => setCurrency(e.currentTarget.value.trim() || values.currency)}
					/>
				)}
			</Field>
			<Field label="Total stock" field="totalStock" {...shared}>
				{(a) => (
					<input
						{...a}
						type="number"
						name="totalStock"
						required
						min={0}
						max={10_000_000}
						defaultValue={values.totalStock}
					/>
				)}
			</Field>
			<Field label="Hold seconds" field="holdSeconds" {...shared}>
				{(a) => (
					<input
						{...a}
						type="number"
						name="holdSeconds"
						required
						min={1}
						max={3600}
						defaultValue={values.holdSeconds}
					/>
				)}
			</Field>
			<Field label="Per-buyer limit" field="perUserLimit" {...shared}>
				{(a) => (
					<input
						{...a}
						type="number"
						name="perUserLimit"
						required
						min={1}
						max={1000}
						defaultValue={values.perUserLimit}
					/>
				)}
			</Field>
			{/* Its own row: a date and time control is wider than one column of the grid. */}
			<Field label={startsAtLabel} field="startsAt" wide {...shared}>
				{(a) => (
					<input {...a} type="datetime-local" name="startsAt" defaultValue={values.startsAt} />
				)}
			</Field>
			{beforeRoom}
			<div class="field form-wide">
				<label class="checkbox">
					<input
						id={`${idPrefix}-roomEnabled`}
						type="checkbox"
						name="roomEnabled"
						defaultChecked={values.roomEnabled}
						onChange={(e) => setRoomOn(e.currentTarget.checked)}
						{...(errors.roomEnabled
							? { "aria-invalid": "true", "aria-describedby": `${idPrefix}-roomEnabled-error` }
							: {})}
					/>
					Waiting room: buyers join a queue and reserve in their turn
				</label>
				{errors.roomEnabled && (
					<span class="error small field-error" id={`${idPrefix}-roomEnabled-error`}>
						{errors.roomEnabled}
					</span>
				)}
			</div>
			<Field
				label={`Admit seconds (${MIN_ADMIT_SECONDS}–${MAX_ADMIT_SECONDS})`}
				field="admitSeconds"
				{...shared}
			>
				{(a) => (
					<input
						{...a}
						type="number"
						name="admitSeconds"
						min={MIN_ADMIT_SECONDS}
						max={MAX_ADMIT_SECONDS}
						disabled={!roomOn}
						defaultValue={values.admitSeconds}
					/>
				)}
			</Field>
			<Field label={`Overbook (0–${MAX_OVERBOOK})`} field="overbook" {...shared}>
				{(a) => (
					<input
						{...a}
						type="number"
						name="overbook"
						min={0}
						max={MAX_OVERBOOK}
						step={0.01}
						disabled={!roomOn}
						defaultValue={values.overbook}
					/>
				)}
			</Field>
		</>
	);
}
