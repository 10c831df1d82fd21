// Reads the server's records back through the public API once the run is over:
// every hold (owner reads, which also apply lazy expiry), every order, the stats,
// and the full audit trail page by page. The holds are read first so that the
// stats and the trail, read after them, describe the same settled state.

import type { AuditEvent, Order, Reservation, Stats } from "../../src/shared/types.ts";
import { type Buyer, ipHeader } from "./buyers.ts";
import { type Answer, type JsonClient, pool } from "./http.ts";
import type { Mode } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { Read, ServerRecords, TallyHold } from "./types.ts";

/** docs/api.md: events pages hold at most 1000. */
const EVENTS_PAGE = 1000;
/** Ten million events: far past any run this tool allows; a trail that does not end is a bug. */
const MAX_EVENT_PAGES = 10_000;
/** Reads in flight while collecting. */
const READ_CONCURRENCY = 64;

export type Collected = { ok: true; records: ServerRecords } | { ok: false; message: string };

export async function collectRecords(input: {
	client: JsonClient;
	mode: Mode;
	sku: string;
	adminToken: string;
	holds: TallyHold[];
	/** sessionId → every buyer the run created. */
	buyers: Map<string, Buyer>;
	progress: Progress;
	/** True once the run gives up (the server is gone): no new read goes out. */
	stop?: () => boolean;
}): Promise<Collected> {
	const { client, sku, adminToken, holds, buyers, progress } = input;
	const stop = input.stop ?? (() => false);
	const skuPath = `/api/admin/products/${encodeURIComponent(sku)}`;
	const reservations: Record<string, Read<Reservation>> = {};
	const orders: Record<string, Read<Order>> = {};

	// Eventual mode's allocations live in D1 alone: no object answers for them.
	if (input.mode === "safe") {
		const owners = new Map(holds.map((h) => [h.reservationId, h.sessionId]));
		await readAll(client, owners, buyers, "reservations", reservations, progress, stop);
	}

	const stats = await client.retrying<Stats>("GET", `${skuPath}/stats`, { token: adminToken });
	if (stats.status !== 200 || stats.data === null) {
		return {
			ok: false,
			message: `GET ${skuPath}/stats answered ${stats.status} ${stats.error?.code ?? stats.problem ?? ""}`,
		};
	}

	const events: AuditEvent[] = [];
	let after: string | null = "0";
	for (let page = 0; after !== null; page++) {
		if (stop()) return { ok: false, message: "the run stopped reading the records" };
		if (page >= MAX_EVENT_PAGES)
			return { ok: false, message: `the audit trail passed ${MAX_EVENT_PAGES} pages` };
		const answer: Answer<{ events: AuditEvent[]; next: string | null }> = await client.retrying(
			"GET",
			`${skuPath}/events?after=${after}&limit=${EVENTS_PAGE}`,
			{ token: adminToken },
		);
		if (answer.status !== 200 || answer.data === null) {
			return {
				ok: false,
				message: `GET ${skuPath}/events answered ${answer.status} ${answer.error?.code ?? answer.problem ?? ""}`,
			};
		}
		events.push(...answer.data.events);
		after = answer.data.next;
		progress.update(`records: ${events.length} audit events`);
	}

	if (input.mode === "safe") {
		// Holds the run never heard of (lost answers) are still read, through their owners' sessions.
		const owners = new Map<string, string>();
		const orderOwners = new Map<string, string>();
		for (const e of events) {
			if (
				e.type === "reservation.created" &&
				e.reservationId &&
				e.sessionId &&
				!(e.reservationId in reservations)
			) {
				owners.set(e.reservationId, e.sessionId);
			}
			if (e.type === "order.created" && e.orderId && e.sessionId)
				orderOwners.set(e.orderId, e.sessionId);
		}
		await readAll(client, owners, buyers, "reservations", reservations, progress, stop);
		for (const h of holds) for (const id of h.orderIds) orderOwners.set(id, h.sessionId);
		await readAll(client, orderOwners, buyers, "orders", orders, progress, stop);
	}
	return {
		ok: true,
		records: { mode: input.mode, stats: stats.data, events, reservations, orders },
	};
}

async function readAll<T>(
	client: JsonClient,
	owners: Map<string, string>,
	buyers: Map<string, Buyer>,
	collection: "reservations" | "orders",
	into: Record<string, Read<T>>,
	progress: Progress,
	stop: () => boolean,
): Promise<void> {
	const ids = [...owners.keys()];
	let done = 0;
	await pool(
		ids.length,
		READ_CONCURRENCY,
		async (i) => {
			const id = ids[i] as string;
			const owner = buyers.get(owners.get(id) ?? "");
			if (owner === undefined) {
				// Not one of this run's sessions: nothing the run can read (and a failure for the verifier).
				into[id] = { status: 0, value: null };
				return;
			}
			const answer = await client.retrying<T>(
				"GET",
				`/api/${collection}/${encodeURIComponent(id)}`,
				{
					token: owner.token,
					headers: ipHeader(owner.ip),
				},
			);
			into[id] = { status: answer.status, value: answer.status === 200 ? answer.data : null };
			done++;
			progress.update(`records: ${done}/${ids.length} ${collection} read`);
		},
		stop,
	);
}
