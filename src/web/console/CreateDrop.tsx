// A form for a new drop (POST /api/admin/products). Prices are typed in units of
// the currency and sent in its minor units (docs/api.md, "Money": cents for USD,
// yen for JPY, fils for KWD); the server validates every field again.

import { useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";
import { priceStep, toMinorUnits } from "../lib/format.ts";
import { startsAtInstant } from "./create-form.ts";

const DEFAULT_CURRENCY = "USD";

export function CreateDrop({
	api,
	onCreated,
	onNotice,
}: {
	api: ApiClient;
	onCreated(p: Product): void;
	onNotice(n: NoticeValue): void;
}) {
	const [busy, setBusy] = useState(false);
	// The price's step follows the currency typed: whole yen, cents, thousandths of a dinar.
	const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
	const submit = async (form: HTMLFormElement) => {
		const f = new FormData(form);
		const text = (name: string) => String(f.get(name) ?? "").trim();
		// Read before going busy: a value that cannot be sent is said at once, and the form stays usable.
		const startsAt = startsAtInstant(text("startsAt"));
		if (startsAt === undefined) {
			onNotice({
				tone: "error",
				text: "Could not create the drop: Starts at is not a date and time that can be read (check its year).",
			});
			return;
		}
		const currencyCode = text("currency") || DEFAULT_CURRENCY;
		setBusy(true);
		try {
			const r = await api.createProduct({
				sku: text("sku"),
				name: text("name"),
				priceCents: toMinorUnits(Number(text("price")), currencyCode),
				currency: currencyCode,
				totalStock: Number(text("totalStock")),
				holdSeconds: Number(text("holdSeconds")),
				perUserLimit: Number(text("perUserLimit")),
				...(startsAt !== null ? { startsAt } : {}),
			});
			if (r.ok) {
				onNotice({
					tone: "success",
					text: `Created ${r.data.sku} with ${r.data.totalStock} units.`,
				});
				form.reset();
				setCurrency(DEFAULT_CURRENCY);
				onCreated(r.data);
			} else onNotice({ tone: "error", text: `Could not create the drop: ${describeError(r)}` });
		} finally {
			setBusy(false);
		}
	};
	return (
		<section class="card" aria-labelledby="create-title">
			<h2 id="create-title">Create a drop</h2>
			<form
				onSubmit={(e) => {
					e.preventDefault();
					void submit(e.currentTarget);
				}}
			>
				<div class="form-grid">
					<label>
						SKU
						<input type="text" name="sku" required pattern="[A-Za-z0-9._\-]{1,64}" maxLength={64} />
					</label>
					<label>
						Name
						<input type="text" name="name" required maxLength={200} />
					</label>
					<label>
						Price
						<input
							type="number"
							name="price"
							required
							min={0}
							step={priceStep(currency)}
							defaultValue="100"
						/>
					</label>
					<label>
						Currency
						<input
							type="text"
							name="currency"
							required
							pattern="[A-Za-z]{3}"
							defaultValue={DEFAULT_CURRENCY}
							maxLength={3}
							onInput={(e) => setCurrency(e.currentTarget.value.trim() || DEFAULT_CURRENCY)}
						/>
					</label>
					<label>
						Total stock
						<input
							type="number"
							name="totalStock"
							required
							min={0}
							max={10_000_000}
							defaultValue="100"
						/>
					</label>
					<label>
						Hold seconds
						<input
							type="number"
							name="holdSeconds"
							required
							min={1}
							max={3600}
							defaultValue="120"
						/>
					</label>
					<label>
						Per-buyer limit
						<input type="number" name="perUserLimit" required min={1} max={1000} defaultValue="2" />
					</label>
					{/* Its own row: a date and time control is wider than one column of the grid. */}
					<label class="form-wide">
						Starts at (optional)
						<input type="datetime-local" name="startsAt" />
					</label>
				</div>
				<div class="actions">
					<button type="submit" class="primary" disabled={busy}>
						{busy ? "Creating…" : "Create drop"}
					</button>
				</div>
			</form>
		</section>
	);
}
