// Reads the server's records back through the operator's API once the run is over:
// every hold the SKU's objects keep, a page at a time (each as its owner's read shows it, which
// also applies lazy expiry, with its order when paid; docs/api.md "Reading a drop's holds"),
// the stats, and the full audit trail page by page. The holds are read first so that the stats
// and the trail, read after them, describe the same settled state. A hold or an order the trail
// or the run names that the holds' pages do not carry is recorded as not found (404), for the
// verifier to name.

import type { AuditEvent, Order, Reservation, Stats } from "../../src/shared/types.ts";
import type { Answer, JsonClient } from "./http.ts";
import type { Mode } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { Read, ServerRecords, TallyHold } from "./types.ts";

/** docs/api.md: events and holds pages hold at most 1000. */
const PAGE = 1000;
/** Ten million rows: far past any run this tool allows; a list that does not end is a bug. */
const MAX_PAGES = 10_000;

export type Collected = { ok: true; records: ServerRecords } | { ok: false; message: string };

type HeldPage = { holds: (Reservation & { order: Order | null })[]; next: string | null };

const NOT_FOUND = { status: 404, value: null } as const;

export async function collectRecords(input: {
	client: JsonClient;
	mode: Mode;
	sku: string;
	adminToken: string;
	holds: TallyHold[];
	progress: Progress;
	/** True once the run gives up (the server is gone, or the time is up): no new read goes out. */
	stop?: () => boolean;
	/** Called after every page read: the run's bound counts from the last progress. */
	onPage?: () => void;
}): Promise<Collected> {
	const { client, sku, adminToken, holds, progress } = input;
	const stop = input.stop ?? (() => false);
	const onPage = input.onPage ?? (() => {});
	const skuPath = `/api/admin/products/${encodeURIComponent(sku)}`;
	const reservations: Record<string, Read<Reservation>> = {};
	const orders: Record<string, Read<Order>> = {};
	const stopped = { ok: false as const, message: "the run stopped reading the records" };
	const failed = (what: string, answer: Answer<unknown>) => ({
		ok: false as const,
		message: `GET ${skuPath}/${what} answered ${answer.status} ${answer.error?.code ?? answer.problem ?? ""}`,
	});

	// Eventual mode's allocations live in D1 alone: no object answers for them.
	if (input.mode === "safe") {
		let after: string | null = "";
		for (let page = 0; after !== null; page++) {
			if (stop()) return stopped;
			if (page >= MAX_PAGES) return { ok: false, message: `the holds passed ${MAX_PAGES} pages` };
			const cursor: string = after === "" ? "" : `&after=${encodeURIComponent(after)}`;
			const answer: Answer<HeldPage> = await client.retrying(
				"GET",
				`${skuPath}/holds?limit=${PAGE}${cursor}`,
				{
					token: adminToken,
				},
			);
			// The run may have been cut while this page was on its way: nothing more is read or said.
			if (stop()) return stopped;
			if (answer.status !== 200 || answer.data === null) return failed("holds", answer);
			for (const { order, ...hold } of answer.data.holds) {
				reservations[hold.reservationId] = { status: 200, value: hold };
				if (order !== null) orders[order.orderId] = { status: 200, value: order };
			}
			after = answer.data.next;
			onPage();
			// The last page's count always shows: an update may be dropped (progress.ts's pace).
			const read = `records: ${Object.keys(reservations).length} holds read`;
			if (after === null) progress.line(read);
			else progress.update(read);
		}
	}

	const stats = await client.retrying<Stats>("GET", `${skuPath}/stats`, { token: adminToken });
	if (stats.status !== 200 || stats.data === null) return failed("stats", stats);

	const events: AuditEvent[] = [];
	let after: string | null = "0";
	for (let page = 0; after !== null; page++) {
		if (stop()) return stopped;
		if (page >= MAX_PAGES)
			return { ok: false, message: `the audit trail passed ${MAX_PAGES} pages` };
		const answer: Answer<{ events: AuditEvent[]; next: string | null }> = await client.retrying(
			"GET",
			`${skuPath}/events?after=${after}&limit=${PAGE}`,
			{ token: adminToken },
		);
		if (stop()) return stopped;
		if (answer.status !== 200 || answer.data === null) return failed("events", answer);
		events.push(...answer.data.events);
		after = answer.data.next;
		onPage();
		const read = `records: ${events.length} audit events`;
		if (after === null) progress.line(read);
		else progress.update(read);
	}

	if (input.mode === "safe") {
		// Every hold and order the trail or the run names: one the holds' pages lack is not found.
		for (const e of events) {
			if (e.type === "reservation.created" && e.reservationId && !(e.reservationId in reservations))
				reservations[e.reservationId] = NOT_FOUND;
			if (e.type === "order.created" && e.orderId && !(e.orderId in orders))
				orders[e.orderId] = NOT_FOUND;
		}
		for (const h of holds) {
			if (!(h.reservationId in reservations)) reservations[h.reservationId] = NOT_FOUND;
			for (const id of h.orderIds) if (!(id in orders)) orders[id] = NOT_FOUND;
		}
	}
	return {
		ok: true,
		records: { mode: input.mode, stats: stats.data, events, reservations, orders },
	};
}
