// The console's "Edit drop" form, pure of Preact and the DOM so the unit tests run it directly
// (test/unit/console-edit.test.ts): the fields as the form shows them, the PATCH of only what
// the operator changed (docs/api.md, Operator: a PATCH's product fields are recorded as sent),
// the changes worth a confirmation, and which field a refusal names.

import type { Product } from "../../shared/types.ts";
import { amountDigits, counted, minorUnitDigits, time } from "../lib/format.ts";
import { startsAtInstant } from "./create-form.ts";
import { readPrice } from "./typed-price.ts";

/** A field of the form, by the name its input carries. */
export type EditField =
	| "name"
	| "price"
	| "currency"
	| "totalStock"
	| "holdSeconds"
	| "perUserLimit"
	| "startsAt"
	| "roomEnabled"
	| "admitSeconds"
	| "overbook";

/** What the form shows, as typed text (the checkbox as a boolean). */
export interface EditValues {
	name: string;
	price: string;
	currency: string;
	totalStock: string;
	holdSeconds: string;
	perUserLimit: string;
	/** A datetime-local value in this browser's zone; "" for no start (on sale). */
	startsAt: string;
	roomEnabled: boolean;
	admitSeconds: string;
	overbook: string;
}

/** docs/api.md "Waiting room": the settings a room is enabled with when none are given. */
export const ROOM_DEFAULTS = { admitSeconds: 60, overbook: 0.1 } as const;

export interface ProductPatch {
	name?: string;
	priceCents?: number;
	currency?: string;
	totalStock?: number;
	holdSeconds?: number;
	perUserLimit?: number;
	startsAt?: string | null;
	waitingRoom?: { enabled: boolean; admitSeconds?: number; overbook?: number };
}

export type PatchResult =
	| { ok: true; patch: ProductPatch }
	| { ok: false; field: EditField; message: string };

/**
 * `priceCents` as typed in units of the currency, exactly: 1999 USD → "19.99", 1000 JPY →
 * "1000". A currency shown whole but counted in hundredths shows them only when the price has
 * some: 123500 HUF → "1235", 123456 HUF → "1234.56" (it showed "1235", decision 191).
 */
export function typedPrice(minor: number, currency: string): string {
	return (minor / 10 ** minorUnitDigits(currency)).toFixed(amountDigits(minor, currency));
}

/**
 * An ISO instant as a datetime-local value in this browser's zone, to the minute: the control's
 * default step. A start stored with seconds shows them cut, and is not sent back unless edited.
 */
export function localDateTime(iso: string | null): string {
	if (iso === null) return "";
	const at = new Date(iso);
	if (Number.isNaN(at.getTime())) return "";
	const two = (n: number) => String(n).padStart(2, "0");
	return `${String(at.getFullYear()).padStart(4, "0")}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
}

export function valuesOf(p: Product): EditValues {
	const room = p.waitingRoom ?? null;
	return {
		name: p.name,
		price: typedPrice(p.priceCents, p.currency),
		currency: p.currency,
		totalStock: String(p.totalStock),
		holdSeconds: String(p.holdSeconds),
		perUserLimit: String(p.perUserLimit),
		startsAt: localDateTime(p.startsAt),
		roomEnabled: room?.enabled ?? false,
		admitSeconds: String(room?.admitSeconds ?? ROOM_DEFAULTS.admitSeconds),
		overbook: String(room?.overbook ?? ROOM_DEFAULTS.overbook),
	};
}

const LABELS: Record<EditField, string> = {
	name: "Name",
	price: "Price",
	currency: "Currency",
	totalStock: "Total stock",
	holdSeconds: "Hold seconds",
	perUserLimit: "Per-buyer limit",
	startsAt: "Starts at",
	roomEnabled: "Waiting room",
	admitSeconds: "Admit seconds",
	overbook: "Overbook",
};

/**
 * The PATCH of the fields whose text the operator changed, compared as shown (so a value the
 * form cannot show exactly, a start stored with seconds, is never sent back cut; a price is
 * shown exactly, `typedPrice`). A changed
 * currency sends the price too, read in the new currency, as the create form does. A number
 * that cannot be read is refused here, naming its field, and so is a price with more decimals
 * than its currency takes (typed-price.ts: refused, not rounded or converted); the server
 * judges every range.
 */
export function patchOf(shown: EditValues, typed: EditValues): PatchResult {
	const patch: ProductPatch = {};
	const changed = (f: Exclude<EditField, "roomEnabled">) => typed[f].trim() !== shown[f].trim();
	const wholeNumber = (f: EditField, text: string): number | string => {
		const n = Number(text.trim());
		return text.trim() !== "" && Number.isInteger(n) ? n : `${LABELS[f]} must be a whole number.`;
	};
	if (changed("name")) patch.name = typed.name.trim();
	const currency = typed.currency.trim().toUpperCase();
	if (currency !== shown.currency.trim().toUpperCase()) patch.currency = currency;
	if (changed("price") || patch.currency !== undefined) {
		// More decimals than the currency takes is refused, never rounded nor converted (typed-price.ts).
		const price = readPrice(typed.price, currency, patch.currency !== undefined);
		if (!price.ok) return { ok: false, field: "price", message: price.message };
		patch.priceCents = price.minor;
	}
	for (const f of ["totalStock", "holdSeconds", "perUserLimit"] as const) {
		if (!changed(f)) continue;
		const n = wholeNumber(f, typed[f]);
		if (typeof n === "string") return { ok: false, field: f, message: n };
		patch[f] = n;
	}
	if (changed("startsAt")) {
		const at = startsAtInstant(typed.startsAt.trim());
		if (at === undefined)
			return {
				ok: false,
				field: "startsAt",
				message: "Starts at is not a date and time that can be read (check its year).",
			};
		patch.startsAt = at;
	}
	const roomChanged = typed.roomEnabled !== shown.roomEnabled;
	if (typed.roomEnabled) {
		const room: NonNullable<ProductPatch["waitingRoom"]> = { enabled: true };
		// Turning a room on sends its settings as shown; an open room, only those changed.
		if (roomChanged || changed("admitSeconds")) {
			const n = wholeNumber("admitSeconds", typed.admitSeconds);
			if (typeof n === "string") return { ok: false, field: "admitSeconds", message: n };
			room.admitSeconds = n;
		}
		if (roomChanged || changed("overbook")) {
			const n = Number(typed.overbook.trim());
			if (typed.overbook.trim() === "" || !Number.isFinite(n))
				return { ok: false, field: "overbook", message: "Overbook must be a number." };
			room.overbook = n;
		}
		if (roomChanged || room.admitSeconds !== undefined || room.overbook !== undefined)
			patch.waitingRoom = room;
	} else if (roomChanged) patch.waitingRoom = { enabled: false };
	return { ok: true, patch };
}

/**
 * What a PATCH takes away from buyers, for the confirmation asked before it is sent: a stock
 * cut, sales stopped by a later start, a waiting room turned off. Empty when nothing does.
 * `p` is the drop as read at the save (src/web/console/edit-confirm.ts), and the held and sold
 * units say when they were counted (`availability.asOf`).
 */
export function destructiveChanges(p: Product, patch: ProductPatch, nowMs: number): string[] {
	const said: string[] = [];
	if (patch.totalStock !== undefined && patch.totalStock < p.totalStock) {
		const a = p.availability;
		const taken = a.reserved + a.sold;
		const cut = `Stock cut from ${p.totalStock} to ${counted(patch.totalStock, "unit")}.`;
		const counts = `${a.reserved} held and ${a.sold} sold (as of ${time(a.asOf)})`;
		// The refusal's floor only when there is one; and said plainly when this cut is under it.
		// The counts are a read's, so holds that end before the PATCH arrives may still let it pass.
		said.push(
			taken === 0
				? `${cut} Nothing was held or sold (as of ${time(a.asOf)}).`
				: patch.totalStock < taken
					? `${cut} ${counts} stay theirs, more than the new total: the server refuses a total below ${taken}, so this save will be refused unless holds end before it arrives.`
					: `${cut} ${counts} stay theirs: the server refuses a total below ${taken} (held and sold units are never taken back).`,
		);
	}
	if (patch.startsAt !== undefined && patch.startsAt !== null) {
		const startMs = Date.parse(patch.startsAt);
		const onSale = p.startsAt === null || Date.parse(p.startsAt) <= nowMs;
		if (onSale && startMs > nowMs)
			said.push(
				`Sales stop until ${new Date(startMs).toLocaleString()}: Reserve is refused until then (holds already taken stay).`,
			);
	}
	if (patch.waitingRoom?.enabled === false) {
		const room = p.waitingRoom;
		said.push(
			`The waiting room is turned off and frozen${room ? ` (${room.waiting} waiting, ${room.admitted} admitted)` : ""}: buyers reserve without a turn.`,
		);
	}
	return said;
}

const SERVER_FIELDS: Record<string, EditField> = {
	name: "name",
	priceCents: "price",
	currency: "currency",
	totalStock: "totalStock",
	holdSeconds: "holdSeconds",
	perUserLimit: "perUserLimit",
	startsAt: "startsAt",
	waitingRoom: "roomEnabled",
	"waitingRoom.enabled": "roomEnabled",
	"waitingRoom.admitSeconds": "admitSeconds",
	"waitingRoom.overbook": "overbook",
};

/**
 * The form field a refusal names: the server's messages begin with the body's field
 * (`totalStock cannot go below …`, `priceCents: …`, `waitingRoom.overbook: …`, docs/api.md).
 * null when the message names no field of the form (`shards`, a message about the request).
 */
export function fieldOfMessage(message: string): EditField | null {
	const first = /^([A-Za-z]+(?:\.[A-Za-z]+)?)(?=[:\s])/.exec(message)?.[1];
	return first === undefined ? null : (SERVER_FIELDS[first] ?? null);
}
