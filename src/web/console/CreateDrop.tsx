// A form for a new drop (POST /api/admin/products). Prices are typed in units
// of the currency and sent in cents; the server validates every field again.

import { useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import type { NoticeValue } from "../components/Layout.tsx";

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
	const submit = async (form: HTMLFormElement) => {
		const f = new FormData(form);
		const text = (name: string) => String(f.get(name) ?? "").trim();
		const startsAt = text("startsAt");
		setBusy(true);
		const r = await api.createProduct({
			sku: text("sku"),
			name: text("name"),
			priceCents: Math.round(Number(text("price")) * 100),
			currency: text("currency") || "USD",
			totalStock: Number(text("totalStock")),
			holdSeconds: Number(text("holdSeconds")),
			perUserLimit: Number(text("perUserLimit")),
			...(startsAt ? { startsAt: new Date(startsAt).toISOString() } : {}),
		});
		setBusy(false);
		if (r.ok) {
			onNotice({ tone: "success", text: `Created ${r.data.sku} with ${r.data.totalStock} units.` });
			form.reset();
			onCreated(r.data);
		} else onNotice({ tone: "error", text: `Could not create the drop: ${describeError(r)}` });
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
						<input type="number" name="price" required min={0} step="0.01" defaultValue="100" />
					</label>
					<label>
						Currency
						<input
							type="text"
							name="currency"
							required
							pattern="[A-Za-z]{3}"
							defaultValue="USD"
							maxLength={3}
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
