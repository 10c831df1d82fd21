// The waiting room's public trail (docs/api.md "Waiting room", docs/waiting-room.md "Verifying a
// drop"; docs/decisions/087-room-start-and-public-order.md): the SKU's `queue.*` audit events
// without their sessions, so that anyone can recompute the order from the revealed seed and
// check the admissions against it (`npm run verify-queue` needs no operator token). What they
// carry is the room's own: random ticket ids, arrival numbers, ranks, the commitment, and the
// seed only from the start on (the `queue.started` event). No session, address or hold.

import { Hono } from "hono";
import { z } from "zod";
import { DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE } from "../../domain/bounds.ts";
import { publicRoomDetail } from "../../domain/room-public-detail.ts";
import type { AuditEvent } from "../../shared/types.ts";
import { requireKnownSku } from "../catalogue.ts";
import { D1Budget, flushedWithin } from "../d1-budget.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { countParam } from "../query-count.ts";
import { STORAGE_RETRY_AFTER_SECONDS } from "../storage-errors.ts";

export const queueTrail = new Hono<AppEnv>();

const Query = z.object({
	after: z
		.string()
		.regex(/^\d{1,15}$/, "must be a cursor from a previous page (digits)")
		.optional(),
	limit: countParam(MAX_EVENTS_PAGE).optional(),
});

// The room's events are the SKU's own object's (the coordinator of a split SKU), stored under
// the SKU itself, so `seq` is the cursor. Read through a partial index over them
// (migrations/0006_queue_trail.sql): a page never walks the drop's reservation events.
queueTrail.get("/:sku/queue/events", async (c) => {
	const sku = c.req.param("sku");
	// The SKU check's wait on D1 counts in the request's one D1 deadline (d1-budget.ts).
	const budget = new D1Budget(Date.now());
	await requireKnownSku(c, sku);
	const query = Query.safeParse(c.req.query());
	if (!query.success) {
		throw new ApiError(
			"invalid_request",
			query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
		);
	}
	const limit = query.data.limit ?? DEFAULT_EVENTS_PAGE;
	const after = Number(query.data.after ?? "0");
	// Up to date first, as the operator's trail is: a page never misses a change already answered.
	// Only the object's own outbox: a public read does not fan out to a split SKU's shards. Nor does
	// it force the copy: it waits for a batched one that readers share (inventory/outbox.ts copied).
	// The wait and the read share one D1 deadline (d1-budget.ts): the read gets what is left.
	if (!(await flushedWithin(budget, () => inventory(c.env, sku).eventsCopied()))) {
		return fail(
			c,
			"unavailable",
			"The room's trail is not complete: some events are not in the database yet (it is failing); retry shortly.",
			{ "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
		);
	}
	const { results } = await budget.wait(() =>
		c.env.DB.prepare(
			"SELECT id, seq, type, at, detail FROM events WHERE sku = ? AND type GLOB 'queue.*' AND seq > ? ORDER BY seq LIMIT ?",
		)
			.bind(sku, after, limit)
			.all<{ id: string; seq: number; type: string; at: string; detail: string | null }>(),
	);
	const events: AuditEvent[] = results.map((r) => {
		const detail =
			r.detail === null
				? undefined
				: publicRoomDetail(r.type, JSON.parse(String(r.detail)) as Record<string, unknown>);
		return {
			id: String(r.id),
			seq: Number(r.seq),
			sku,
			type: r.type as AuditEvent["type"],
			at: String(r.at),
			...(detail !== undefined ? { detail } : {}),
		};
	});
	const last = results.at(-1);
	return ok(c, {
		events,
		next: events.length === limit && last !== undefined ? String(last.seq) : null,
	});
});
