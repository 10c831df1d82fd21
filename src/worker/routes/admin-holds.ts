// The operator's read of a drop's holds, a page at a time (docs/api.md, "Reading a drop's holds";
// docs/decisions/108-the-drop-at-its-default-size.md): every hold the SKU's objects keep, each as
// its owner's `GET /api/reservations/:id` shows it, with its order when paid. A split SKU's holds
// are in its shards: the pages walk shard 0, then 1, and so on, each in the order its holds were
// written, so the cursor is `<shard>-<row>` and a page may span the end of one shard and the
// start of the next.

import { Hono } from "hono";
import { z } from "zod";
import { DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE } from "../../domain/bounds.ts";
import type { Order, Reservation } from "../../shared/types.ts";
import { requireKnownSku } from "../catalogue.ts";
import { ApiError, type AppEnv, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { countParam } from "../query-count.ts";

const CURSOR = /^(\d{1,2})-(\d{1,15})$/;

const HoldsQuery = z.object({
	after: z.string().regex(CURSOR, "must be a cursor from a previous page").optional(),
	// A count as everywhere (query-count.ts): `0050` is 50, `1e3` is refused.
	limit: countParam(MAX_EVENTS_PAGE).optional(),
});

export type HeldPage = { holds: (Reservation & { order: Order | null })[]; next: string | null };

export const adminHolds = new Hono<AppEnv>();

adminHolds.get("/products/:sku/holds", async (c) => {
	const sku = c.req.param("sku") ?? "";
	await requireKnownSku(c, sku);
	const query = HoldsQuery.safeParse(c.req.query());
	if (!query.success) {
		throw new ApiError(
			"invalid_request",
			query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
		);
	}
	const limit = query.data.limit ?? DEFAULT_EVENTS_PAGE;
	const snapshot = await inventory(c.env, sku).snapshot();
	if (snapshot === null) return fail(c, "unknown_sku");
	const shards = snapshot.shards ?? 1;
	const cursor = CURSOR.exec(query.data.after ?? "0-0");
	let shard = Number(cursor?.[1]);
	let row = Number(cursor?.[2]);
	if (shard >= shards)
		throw new ApiError("invalid_request", "after: must be a cursor from a previous page");
	const holds: HeldPage["holds"] = [];
	// The next page's cursor: null once every hold of every shard is on this page or before.
	let next: string | null = null;
	while (shard < shards) {
		const page = await inventory(c.env, sku, shard).holdsPage(row, limit - holds.length);
		if (!page.ok) return fail(c, "unknown_sku");
		holds.push(...page.holds);
		if (page.more) {
			next = `${shard}-${page.lastRow}`;
			break;
		}
		shard += 1;
		row = 0;
		if (holds.length === limit) {
			// A full page at a shard's end: the next page starts at the next shard that has a hold,
			// and there is none when no later shard has one (no empty last page to ask for).
			for (; shard < shards && next === null; shard++) {
				const peek = await inventory(c.env, sku, shard).holdsPage(0, 0);
				if (peek.ok && peek.more) next = `${shard}-0`;
			}
			break;
		}
	}
	return ok(c, { holds, next } satisfies HeldPage);
});
