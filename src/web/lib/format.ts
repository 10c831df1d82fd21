// Formatting for people: money, durations, clock times.

// The minor unit's decimals live in src/shared/minor-units.ts, which the Worker's messages use too.
import { minorUnitDigits, shownDigits } from "../../shared/minor-units.ts";

export { minorUnitDigits, shownDigits };

/** A price typed in units of the currency ("12.34" USD, "1000" JPY) → its minor units. */
export function toMinorUnits(amount: number, currency: string): number {
	return Math.round(amount * 10 ** minorUnitDigits(currency));
}

/**
 * The smallest price step a form takes for the currency, the minor unit `priceCents` counts in:
 * "0.01" USD, "1" JPY, "0.001" KWD, and "0.01" HUF, shown whole but counted in hundredths
 * (docs/decisions/191-hundredths-of-a-currency-shown-whole.md).
 */
export function priceStep(currency: string): string {
	const digits = minorUnitDigits(currency);
	return (1 / 10 ** digits).toFixed(digits);
}

/**
 * The decimals an amount of `minor` units is shown with: the currency's own (Intl's), or for a
 * currency shown whole but counted in hundredths (HUF, ISK, …) its hundredths when it has some
 * (docs/decisions/191-hundredths-of-a-currency-shown-whole.md). Shared by `money` and the
 * console's edit form (console/edit-form.ts typedPrice).
 */
export function amountDigits(minor: number, currency: string): number {
	const digits = minorUnitDigits(currency);
	const shown = shownDigits(currency);
	const whole = Number.isInteger(minor) && minor % 10 ** (digits - shown) === 0;
	return whole ? shown : digits;
}

/**
 * An amount in the currency's minor units (docs/api.md, "Money") for people: 1000 JPY → "¥1,000".
 * A currency Intl shows whole but the provider counts in hundredths (HUF, ISK, …) shows an amount
 * with hundredths to the hundredth, as it is charged: 123456 HUF → "HUF 1,234.56", 100000 HUF →
 * "HUF 1,000" (docs/decisions/191-hundredths-of-a-currency-shown-whole.md).
 */
export function money(minor: number, currency: string, locale?: string): string {
	const digits = minorUnitDigits(currency);
	const amount = minor / 10 ** digits;
	const shown = amountDigits(minor, currency);
	try {
		return new Intl.NumberFormat(locale, {
			style: "currency",
			currency,
			minimumFractionDigits: shown,
			maximumFractionDigits: Math.max(shown, digits),
		}).format(amount);
	} catch {
		return `${amount.toFixed(shown)} ${currency}`;
	}
}

/** A count of units for people, grouped as the reader's locale groups digits: 10000000 → "10,000,000". */
export function units(n: number): string {
	return new Intl.NumberFormat().format(n);
}

/** A count with its noun, singular for one: (1, "unit") → "1 unit", (2, "session") → "2 sessions". */
export function counted(n: number, noun: string): string {
	return `${n} ${n === 1 ? noun : `${noun}s`}`;
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
 * A chart's time (uPlot's x values are epoch seconds) as the time of day the rest of the console
 * shows (`time`: the reader's locale, "9:58:16 AM"), without the seconds when `withSeconds` is
 * false (an axis whose ticks fall on whole minutes). uPlot's own would say "9:45am" and "12/2/26".
 */
export function chartTime(epochSeconds: number, withSeconds = true): string {
	const d = new Date(epochSeconds * 1000);
	if (Number.isNaN(d.getTime())) return "";
	return withSeconds
		? d.toLocaleTimeString()
		: d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
}

/** An instant in epoch milliseconds as a date and a time in the reader's zone and locale. */
export function dateTime(epochMs: number): string {
	const d = new Date(epochMs);
	return Number.isNaN(d.getTime())
		? String(epochMs)
		: d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
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
