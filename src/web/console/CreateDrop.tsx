// A form for a new drop (POST /api/admin/products), split across shards and with a waiting room
// when asked. Prices are typed in units of the currency and sent in its minor units (docs/api.md,
// "Money": cents for USD, yen for JPY, fils for KWD); the server validates every field again.
// A price with more decimals than its currency takes is refused under the field, never rounded
// (src/web/console/typed-price.ts): checked on the click that submits, before the browser's own
// check of the field's step, whose bubble would not say why.

import { useEffect, useState } from "preact/hooks";
import { MAX_SHARDS } from "../../domain/escrow.ts";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";
import { counted } from "../lib/format.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { startsAtInstant } from "./create-form.ts";
import { DropFields, type FieldErrors, valuesFromForm } from "./DropFields.tsx";
import { type EditValues, ROOM_DEFAULTS } from "./edit-form.ts";
import { readPrice } from "./typed-price.ts";

const DEFAULT_CURRENCY = "USD";

/** What the SKU's pattern takes, in words (docs/api.md: `[A-Za-z0-9._-]{1,64}`). */
export const SKU_FORMAT = "Letters, digits, dots, underscores and hyphens, no spaces; up to 64.";

/** What a new drop's form shows before anything is typed. */
const NEW_DROP: EditValues = {
	name: "",
	price: "100",
	currency: DEFAULT_CURRENCY,
	totalStock: "100",
	holdSeconds: "120",
	perUserLimit: "2",
	startsAt: "",
	roomEnabled: false,
	admitSeconds: String(ROOM_DEFAULTS.admitSeconds),
	overbook: String(ROOM_DEFAULTS.overbook),
};

export function CreateDrop({
	api,
	onCreated,
	onNotice,
	onRetry,
}: {
	api: ApiClient;
	onCreated(p: Product): void;
	onNotice(n: NoticeValue): void;
	/** Another try starts: the console clears this form's last refusal (App.tsx). */
	onRetry(): void;
}) {
	const [busy, setBusy] = useState(false);
	/** The price's refusal, under its field until the next try. */
	const [errors, setErrors] = useState<FieldErrors>({});
	/** Counts the price's refusals: each focuses the field once its refusal is rendered. */
	const [priceRefused, setPriceRefused] = useState(0);
	/** The typed price in minor units; null when refused, the refusal under the field. */
	const priceOf = (form: HTMLFormElement): number | null => {
		const typed = valuesFromForm(form);
		const price = readPrice(typed.price, typed.currency.trim() || DEFAULT_CURRENCY);
		if (price.ok) {
			setErrors({});
			return price.minor;
		}
		setErrors({ price: price.message });
		setPriceRefused((n) => n + 1);
		return null;
	};
	// Focused with its refusal tied to it (aria-describedby), as the edit form's refused field is.
	useEffect(() => {
		if (priceRefused > 0) moveFocus("create-price");
	}, [priceRefused]);
	// A new generation after a create puts every field, and the fields' own state, back to its default.
	const [generation, setGeneration] = useState(0);
	const submit = async (form: HTMLFormElement) => {
		const typed = valuesFromForm(form);
		const sku = String(new FormData(form).get("sku") ?? "").trim();
		const shards = Number(String(new FormData(form).get("shards") ?? "1").trim() || "1");
		// Read before going busy: a value that cannot be sent is said at once, and the form stays usable.
		const startsAt = startsAtInstant(typed.startsAt.trim());
		if (startsAt === undefined) {
			onNotice({
				tone: "error",
				text: "Could not create the drop: Starts at is not a date and time that can be read (check its year).",
			});
			return;
		}
		const currencyCode = typed.currency.trim() || DEFAULT_CURRENCY;
		const priceCents = priceOf(form);
		if (priceCents === null) return;
		setBusy(true);
		try {
			const r = await api.createProduct({
				sku,
				name: typed.name.trim(),
				priceCents,
				currency: currencyCode,
				totalStock: Number(typed.totalStock.trim()),
				holdSeconds: Number(typed.holdSeconds.trim()),
				perUserLimit: Number(typed.perUserLimit.trim()),
				...(startsAt !== null ? { startsAt } : {}),
				// The body stays as before for one object and no room (docs/api.md: both optional).
				...(shards !== 1 ? { shards } : {}),
				...(typed.roomEnabled
					? {
							waitingRoom: {
								enabled: true,
								admitSeconds: Number(typed.admitSeconds.trim()),
								overbook: Number(typed.overbook.trim()),
							},
						}
					: {}),
			});
			if (r.ok) {
				const split = (r.data.shards ?? 1) > 1 ? `, split across ${r.data.shards} objects` : "";
				const room = r.data.waitingRoom?.enabled ? ", with a waiting room" : "";
				onNotice({
					tone: "success",
					text: `Created ${r.data.sku} with ${counted(r.data.totalStock, "unit")}${split}${room}.`,
				});
				setErrors({});
				setGeneration((g) => g + 1);
				onCreated(r.data);
			} else onNotice({ tone: "error", text: `Could not create the drop: ${describeError(r)}` });
		} finally {
			setBusy(false);
		}
	};
	// The console's notice says the outcome (decision 140); a created drop's form is built anew,
	// so focus goes to its new Create drop, as it stays on the old one after a refusal.
	useEffect(() => {
		if (generation > 0) moveFocus("create-drop");
	}, [generation]);
	return (
		<section class="card" aria-labelledby="create-title">
			<h2 id="create-title">Create a drop</h2>
			<form
				key={generation}
				onSubmit={(e) => {
					e.preventDefault();
					if (!busy) void submit(e.currentTarget);
				}}
			>
				<div class="form-grid">
					{/* The format said beside the field and in the browser's own bubble (its title), not
					    only its generic "match the requested format". */}
					<div class="field">
						<label for="create-sku">SKU</label>
						<input
							id="create-sku"
							type="text"
							name="sku"
							required
							pattern="[A-Za-z0-9._\-]{1,64}"
							maxLength={64}
							title={SKU_FORMAT}
							aria-describedby="create-sku-hint"
						/>
						<span id="create-sku-hint" class="muted small">
							{SKU_FORMAT}
						</span>
					</div>
					<DropFields
						idPrefix="create"
						values={NEW_DROP}
						errors={errors}
						startsAtLabel="Starts at (optional)"
						beforeRoom={
							// Fixed at create (docs/api.md, "Shards"): the edit form shows it, never changes it.
							<label>
								Shards (1–{MAX_SHARDS}, fixed)
								<input
									type="number"
									name="shards"
									required
									min={1}
									max={MAX_SHARDS}
									defaultValue="1"
								/>
							</label>
						}
					/>
				</div>
				<div class="actions">
					{/* A new try takes the last one's refusal away (it may name a SKU no longer in the
					    form), on the click that starts it: before the browser's own check, which may
					    stop the submit. Enter in a field clicks this button too. */}
					{/* aria-disabled while it runs: focus stays here instead of falling to <body>. */}
					{/* A price with too many decimals is refused here, under its field: the browser's
					    step check would stop the submit first, with a bubble that does not say why. */}
					<button
						type="submit"
						class="primary"
						id="create-drop"
						aria-disabled={busy ? "true" : undefined}
						onClick={(e) => {
							onRetry();
							const form = e.currentTarget.form;
							if (form !== null && priceOf(form) === null) e.preventDefault();
						}}
					>
						{busy ? "Creating…" : "Create drop"}
					</button>
				</div>
			</form>
		</section>
	);
}
