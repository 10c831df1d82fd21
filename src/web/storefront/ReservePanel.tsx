// Reserve: quantity and the button, off (with the reason in words) whenever the
// live sale says a reserve could not succeed — sold out, not started, at the
// buyer's limit — or the rate limiter asked this buyer to wait.

import { clock } from "../lib/format.ts";
import type { SaleView } from "./sale.ts";

export function ReservePanel({
	sale,
	quantity,
	sessionEndsInSeconds,
	busy,
	waitSeconds,
	onQuantity,
	onReserve,
}: {
	sale: SaleView;
	quantity: number;
	sessionEndsInSeconds: number;
	busy: boolean;
	waitSeconds: number;
	onQuantity(n: number): void;
	onReserve(): void;
}) {
	const blocked = sale.blocked !== null;
	return (
		<section class="card" aria-labelledby="reserve-title">
			<h2 id="reserve-title" tabIndex={-1}>
				Reserve
			</h2>
			<p class="muted small">Verified · session ends in {clock(sessionEndsInSeconds)}</p>
			<form
				class="row"
				onSubmit={(e) => {
					e.preventDefault();
					if (!blocked && !busy) onReserve();
				}}
			>
				<label for="quantity">Quantity</label>
				<select
					id="quantity"
					value={Math.min(quantity, sale.maxQuantity)}
					disabled={blocked}
					onChange={(e) => onQuantity(Number(e.currentTarget.value))}
				>
					{Array.from({ length: sale.maxQuantity }, (_, i) => (
						<option key={i} value={i + 1}>
							{i + 1}
						</option>
					))}
				</select>
				<button
					type="submit"
					class="primary"
					// Only aria-disabled while it runs: it keeps the focus, where its outcome is heard.
					disabled={waitSeconds > 0 || blocked}
					aria-disabled={busy ? "true" : undefined}
					aria-describedby={blocked ? "reserve-why" : undefined}
				>
					{busy ? "Reserving…" : waitSeconds > 0 ? `Wait ${waitSeconds} s` : "Reserve"}
				</button>
			</form>
			{/* Always mounted, so a change is announced: sold out, back in stock, the limit reached,
			    the start passed (its text goes, and the verified sentence says Reserve is open). */}
			<p
				id="reserve-why"
				role="status"
				aria-label="Why Reserve is off"
				class={sale.blocked === null ? "why" : `why why-${sale.blocked.code}`}
			>
				{sale.blocked?.reason ?? ""}
			</p>
		</section>
	);
}
