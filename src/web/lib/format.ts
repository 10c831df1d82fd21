// Formatting for people: money, durations, clock times.

export function money(cents: number, currency: string): string {
	try {
		return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
	} catch {
		return `${(cents / 100).toFixed(2)} ${currency}`;
	}
}

/** Dollars with enough digits to show a virtual cost of a fraction of a cent. */
export function usd(amount: number, digits = 2): string {
	return `$${amount.toFixed(digits)}`;
}

/** 125 s → "2:05"; 3725 s → "1:02:05". */
export function clock(totalSeconds: number): string {
	const s = Math.max(0, Math.floor(totalSeconds));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = String(s % 60).padStart(2, "0");
	return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function ms(value: number): string {
	return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function time(iso: string): string {
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

/**
 * An id for a table cell: `rsv_…c3d4e5f6` for our ids (src/worker/ids.ts: a prefix, 24 hex
 * digits, `~<sku>`). The hex starts with the clock, the same for every id minted within a
 * minute, so the random last 8 digits are what tell rows apart. Anything else is cut at 12.
 */
export function shortId(id: string | undefined): string {
	if (id === undefined) return "";
	const head = id.split("~")[0] ?? id;
	const ours = /^([a-z]+_)[0-9a-f]{16}([0-9a-f]{8})$/i.exec(head);
	if (ours !== null) return `${ours[1]}…${ours[2]}`;
	return head.length > 14 ? `${head.slice(0, 12)}…` : head;
}
