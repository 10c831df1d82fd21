// What the edit form's confirmation says (src/web/console/EditDrop.tsx). Pure of Preact and the
// DOM: unit-tested in test/unit/console-edit-confirm.test.ts.
//
// The form is diffed against the drop as read when it opened (only the fields the operator
// changed are sent), but what a change takes from buyers is judged against the drop as read
// again when Save is pressed: the held and sold units a stock cut leaves, whether the drop is on
// sale, who waits in its room are those of that read, never minutes older. A drop that changed
// in between (another operator, a second tab, the API) is said in so many words, with whether
// this save replaces that change. When the second read fails, the confirmation says its counts
// are the form's, and how old they are
// (docs/decisions/104-console-leftovers-dialogs-instants-and-a-fresh-confirmation.md).

import type { Product } from "../../shared/types.ts";
import { dateTime, money } from "../lib/format.ts";
import { destructiveChanges, type ProductPatch } from "./edit-form.ts";

/** The drop read again at Save: the product, or why it could not be read. */
export type Reread = { ok: true; product: Product } | { ok: false; problem: string };

/** A field of the drop as the confirmation names it, and whether a PATCH sends it. */
interface Watched {
	name: string;
	shown(p: Product): string;
	sent(patch: ProductPatch): boolean;
}

const start = (p: Product) =>
	p.startsAt === null ? "on sale now" : dateTime(Date.parse(p.startsAt));
const room = (p: Product) => {
	const r = p.waitingRoom;
	if (r === null || r === undefined || !r.enabled) return "off";
	return `on (admit ${r.admitSeconds} s, overbook ${r.overbook})`;
};

const WATCHED: readonly Watched[] = [
	{ name: "name", shown: (p) => JSON.stringify(p.name), sent: (x) => x.name !== undefined },
	{
		name: "price",
		shown: (p) => money(p.priceCents, p.currency),
		sent: (x) => x.priceCents !== undefined || x.currency !== undefined,
	},
	{
		name: "total stock",
		shown: (p) => String(p.totalStock),
		sent: (x) => x.totalStock !== undefined,
	},
	{
		name: "hold seconds",
		shown: (p) => String(p.holdSeconds),
		sent: (x) => x.holdSeconds !== undefined,
	},
	{
		name: "per-buyer limit",
		shown: (p) => String(p.perUserLimit),
		sent: (x) => x.perUserLimit !== undefined,
	},
	{ name: "start", shown: start, sent: (x) => x.startsAt !== undefined },
	{ name: "waiting room", shown: room, sent: (x) => x.waitingRoom !== undefined },
];

export interface Change {
	name: string;
	from: string;
	to: string;
	/** This save sends the field too: its value replaces the other change. */
	replaced: boolean;
}

/** The drop's own fields that differ between two reads (its counters always do, so not them). */
export function changesSince(opened: Product, now: Product, patch: ProductPatch): Change[] {
	const changes: Change[] = [];
	for (const w of WATCHED) {
		const from = w.shown(opened);
		const to = w.shown(now);
		if (from !== to) changes.push({ name: w.name, from, to, replaced: w.sent(patch) });
	}
	return changes;
}

/**
 * The confirmation's sentences, one each; empty when the save needs none (nothing taken from
 * buyers and the drop as the form read it). `openedAtMs`: when the form's read was answered.
 */
export function confirmationOf(
	opened: Product,
	reread: Reread,
	patch: ProductPatch,
	nowMs: number,
	openedAtMs: number,
): string[] {
	const said: string[] = [];
	if (reread.ok) {
		const changes = changesSince(opened, reread.product, patch);
		if (changes.length > 0) {
			const replaced = changes.filter((c) => c.replaced).map((c) => c.name);
			said.push(
				`${opened.sku} changed since this form opened: ${changes.map((c) => `${c.name} ${c.from} → ${c.to}`).join("; ")}. ` +
					(replaced.length > 0
						? `Saving replaces that change to the ${replaced.join(" and ")} with yours. `
						: "Saving sends only the fields you changed, so that change stays. ") +
					"Close the form and open it again to start from the drop as it is now.",
			);
		}
		return [...said, ...destructiveChanges(reread.product, patch, nowMs)];
	}
	const taken = destructiveChanges(opened, patch, nowMs);
	if (taken.length === 0) return [];
	return [
		`${opened.sku} could not be read again before this save (${reread.problem}): what follows is as read when the form opened, at ${dateTime(openedAtMs)}, and may be older than the live counters.`,
		...taken,
	];
}
