import { Hono } from "hono";
import { z } from "zod";
import {
	DEFAULT_EVENTS_PAGE,
	DEFAULT_PER_USER_LIMIT,
	DOT_SEGMENT_SKUS,
	MAX_EVENTS_PAGE,
	MAX_HOLD_SECONDS,
	MAX_NAME_LENGTH,
	MAX_PER_USER_LIMIT,
	MAX_PRICE_CENTS,
	MAX_TOTAL_STOCK,
	MIN_HOLD_SECONDS,
	NAME_FORBIDDEN,
	NAME_INVISIBLE,
	SKU_PATTERN,
} from "../../domain/bounds.ts";
import { MAX_SHARDS } from "../../domain/escrow.ts";
import { HISTORY_SECONDS } from "../../domain/timeseries.ts";
import { MAX_ADMIT_SECONDS, MAX_OVERBOOK, MIN_ADMIT_SECONDS } from "../../domain/waiting-room.ts";
import { paymentAmountProblem } from "../../payment/index.ts";
import type { AuditEvent } from "../../shared/types.ts";
import { parseBody } from "../body.ts";
import { recordInCatalogue, requireKnownSku } from "../catalogue.ts";
import { D1Budget, flushedWithin, unlessSlow } from "../d1-budget.ts";
import { forgetSnapshot } from "../edge-snapshot.ts";
import { EVENTUAL_AFTER_RESET, eventualStats } from "../eventual.ts";
import { ApiError, type AppEnv, type Ctx, fail, ok } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { requireAdmin } from "../middleware/auth.ts";
import { deliverTallies } from "../middleware/ratelimit.ts";
import { countParam } from "../query-count.ts";
import { STORAGE_RETRY_AFTER_SECONDS, StorageUnavailable } from "../storage-errors.ts";
import { trailPageQuery } from "../trail-query.ts";
import { adminHolds } from "./admin-holds.ts";
import { adminReset } from "./admin-reset.ts";
import { adminSessions } from "./admin-sessions.ts";

const ProductFields = {
	name: z
		.string()
		.trim()
		.min(1)
		.max(MAX_NAME_LENGTH)
		.refine((name) => !NAME_FORBIDDEN.test(name), {
			message:
				"must not contain control characters, line or paragraph separators, bidirectional overrides or lone surrogates",
		})
		.refine((name) => !NAME_INVISIBLE.test(name), {
			message: "must have a visible character (it holds only blanks or invisible characters)",
		}),
	priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
	currency: z
		.string()
		.regex(/^[A-Za-z]{3}$/, "must be a 3-letter ISO 4217 code")
		.transform((s) => s.toUpperCase()),
	totalStock: z.number().int().min(0).max(MAX_TOTAL_STOCK),
	holdSeconds: z.number().int().min(MIN_HOLD_SECONDS).max(MAX_HOLD_SECONDS),
	perUserLimit: z.number().int().min(1).max(MAX_PER_USER_LIMIT),
	startsAt: z.iso.datetime({ offset: true }).nullable(),
};

/** docs/api.md v1.1 "Waiting room" (bounds in domain/waiting-room.ts). */
const WaitingRoomBody = z.object({
	enabled: z.boolean(),
	admitSeconds: z.number().int().min(MIN_ADMIT_SECONDS).max(MAX_ADMIT_SECONDS).optional(),
	overbook: z.number().min(0).max(MAX_OVERBOOK).optional(),
});

const ShardsField = z.number().int().min(1).max(MAX_SHARDS);

const CreateProduct = z.object({
	sku: z
		.string()
		.regex(SKU_PATTERN, "must be 1–64 of A-Z a-z 0-9 . _ -")
		.refine((sku) => !DOT_SEGMENT_SKUS.includes(sku), {
			message: 'must not be "." or "..": URL clients resolve such a path segment away',
		}),
	...ProductFields,
	holdSeconds: ProductFields.holdSeconds.optional(),
	perUserLimit: ProductFields.perUserLimit.optional(),
	startsAt: ProductFields.startsAt.optional(),
	// docs/api.md, "Shards": the SKU's stock split across this many objects (docs/decisions/020-escrow-shards.md).
	shards: ShardsField.optional(),
	waitingRoom: WaitingRoomBody.optional(),
});

// `shards` is taken so that a PATCH naming it is answered, not silently dropped: the count is
// fixed at create, so only the current count is accepted (docs/decisions/061-ops-fixes-of-the-second-review.md).
const PatchProduct = z
	.object({ ...ProductFields, shards: ShardsField, waitingRoom: WaitingRoomBody })
	.partial();

/** An events page's `limit` or `tail`: digits only, as metrics' `seconds` (not `1e3`, `0x10`, ` 5`). */
const pageSize = countParam(MAX_EVENTS_PAGE);

const EventsQuery = z
	.object({
		after: z
			.string()
			.regex(/^\d{1,15}$/, "must be a cursor from a previous page")
			.optional(),
		limit: pageSize.optional(),
		// docs/api.md, "Following the audit trail": the newest `tail` events, oldest first.
		tail: pageSize.optional(),
		// With `tail`: the newest `tail` events before this cursor (an older page).
		before: z
			.string()
			.regex(/^\d{1,15}$/, "must be a cursor from a previous page")
			.optional(),
	})
	.refine((q) => q.tail === undefined || (q.after === undefined && q.limit === undefined), {
		message: "cannot be combined with after or limit (it reads the end of the trail)",
		path: ["tail"],
	})
	.refine((q) => q.before === undefined || q.tail !== undefined, {
		message: "needs tail (the page size): before=<cursor>&tail=<1..1000>",
		path: ["before"],
	});

const MetricsQuery = z.object({
	seconds: countParam(HISTORY_SECONDS, "seconds").optional(),
});

/** The route's SKU, refused at the edge when the catalogue does not have it (worker/catalogue.ts). */
async function skuParam(c: Ctx): Promise<string> {
	const sku = c.req.param("sku") ?? "";
	await requireKnownSku(c, sku);
	return sku;
}

export const admin = new Hono<AppEnv>();
admin.use("*", requireAdmin);
// Load-test sessions for the operator (docs/api.md, "Load-test sessions").
admin.route("/sessions", adminSessions);

// The object is the truth and stores the product first; the catalogue row follows
// (docs/decisions/007-cold-path-d1-outages.md). Safe to retry: the same definition
// again answers 201 with the product as it is; another one is 409 `already_exists`.
// A price the provider cannot charge is refused only when it would create something: the
// very same create of a product stored before (another provider, an older rule) is still the
// 201 replay, and its checkouts are refused as decision 072 says.
admin.post("/products", async (c) => {
	const body = await parseBody(c, CreateProduct);
	const priceProblem = unchargeablePrice(c, body.priceCents, body.currency, "priceCents");
	const holdSeconds = body.holdSeconds ?? c.get("config").holdSeconds;
	const result = await inventory(c.env, body.sku).create(
		{
			sku: body.sku,
			name: body.name,
			priceCents: body.priceCents,
			currency: body.currency,
			totalStock: body.totalStock,
			holdSeconds,
			perUserLimit: body.perUserLimit ?? DEFAULT_PER_USER_LIMIT,
			startsAtMs: body.startsAt ? Date.parse(body.startsAt) : null,
		},
		body.shards ?? 1,
		body.waitingRoom ?? null,
		priceProblem !== null,
	);
	if (!result.ok && result.code === "unknown_sku" && priceProblem !== null)
		throw new ApiError("invalid_request", priceProblem);
	if (!result.ok)
		return fail(
			c,
			"already_exists",
			`A product with SKU ${body.sku} already exists with another definition.`,
		);
	// Written now so the edge knows the SKU before this answer; if D1 fails, the object's
	// outbox writes it once D1 is back, and GET /api/products lists the product then. Waited for
	// OPTIONAL_D1_WAIT_MS at most: a slow write goes on after the answer (d1-budget.ts).
	await unlessSlow(c, recordInCatalogue(c.env.DB, result.product, true), false);
	return ok(c, result.product, 201);
});

admin.patch("/products/:sku", async (c) => {
	const sku = await skuParam(c);
	const body = await parseBody(c, PatchProduct);
	const { startsAt, waitingRoom, shards, ...rest } = body;
	if (shards !== undefined) {
		// Checked before anything is applied: a refused PATCH changes nothing.
		const snapshot = await inventory(c.env, sku).snapshot();
		if (snapshot === null) return fail(c, "unknown_sku");
		const current = snapshot.shards ?? 1;
		if (shards !== current) {
			return fail(
				c,
				"invalid_state",
				`shards cannot change: ${sku} is split across ${current} object${current === 1 ? "" : "s"}, fixed when it was created. Create a new SKU to split it another way.`,
			);
		}
	}
	if (rest.priceCents !== undefined || rest.currency !== undefined) {
		// Judged with the product's other half when the PATCH names only one of the two. A PATCH
		// that leaves the price as stored (an edit form sending the whole product back) is not
		// judged: a price stored before the rule or under another provider stays, and its
		// checkouts are refused as decision 072 says
		// (docs/decisions/083-fairness-runs-and-stripe-minimums.md).
		const product = await inventory(c.env, sku).product();
		if (product === null) return fail(c, "unknown_sku");
		const priceCents = rest.priceCents ?? product.priceCents;
		const currency = rest.currency ?? product.currency;
		const priceChanged = priceCents !== product.priceCents;
		if (priceChanged || currency !== product.currency)
			refuseUnchargeablePrice(c, priceCents, currency, priceChanged ? "priceCents" : "currency");
	}
	const patch = {
		...rest,
		...(startsAt !== undefined
			? { startsAtMs: startsAt === null ? null : Date.parse(startsAt) }
			: {}),
	};
	const result = await inventory(c.env, sku).update(patch, waitingRoom ?? null);
	forgetSnapshot(sku);
	if (!result.ok && result.code === "invalid_state") {
		return fail(
			c,
			"invalid_state",
			"totalStock cannot go below the units reserved and sold (of a SKU split across shards: below its units held, sold or claimed by a reserve in flight).",
		);
	}
	if (!result.ok && result.code === "start_moved") {
		// docs/decisions/087-room-start-and-public-order.md: nothing is changed.
		return fail(
			c,
			"invalid_state",
			`startsAt cannot move later: the waiting room of ${sku} has started and holds tickets, and a later start would lapse their admissions while nothing can be bought. Reset the drop first (a new drop, its tickets dropped), then move startsAt.`,
		);
	}
	if (!result.ok) return fail(c, "unknown_sku");
	// A new name reaches the catalogue through the outbox (inventory/projections.ts).
	return ok(c, result.product);
});

/**
 * A price the configured payment provider can never charge (Stripe's amount rules,
 * src/payment/stripe-amounts.ts) is refused when it is set, naming the field, so that no buyer
 * of it meets a failed payment (docs/decisions/072-amounts-the-provider-refuses.md). Checked
 * per unit: a larger quantity is judged at checkout, before the hold is touched.
 */
function refuseUnchargeablePrice(
	c: Ctx,
	priceCents: number,
	currency: string,
	field: "priceCents" | "currency",
): void {
	const problem = unchargeablePrice(c, priceCents, currency, field);
	if (problem !== null) throw new ApiError("invalid_request", problem);
}

/** The 400's message for a price the configured provider can never charge; null when it may. */
function unchargeablePrice(
	c: Ctx,
	priceCents: number,
	currency: string,
	field: "priceCents" | "currency",
): string | null {
	const problem = paymentAmountProblem(c.get("config").payment, priceCents, currency);
	if (problem === null) return null;
	return `${field}: the payment provider cannot charge ${priceCents} ${currency.toUpperCase()} (${problem}).`;
}

// The reset, keyed or not (docs/decisions/081-reset-idempotency-key.md).
admin.route("/", adminReset);
// A drop's holds, a page at a time (docs/decisions/108-the-drop-at-its-default-size.md).
admin.route("/", adminHolds);

admin.get("/products/:sku/events", async (c) => {
	// The SKU check's wait on D1 counts in the request's one D1 deadline (d1-budget.ts).
	const budget = new D1Budget(Date.now());
	const sku = await skuParam(c);
	const query = EventsQuery.safeParse(c.req.query());
	if (!query.success) {
		throw new ApiError(
			"invalid_request",
			query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
		);
	}
	const { tail, before } = query.data;
	const limit = tail ?? query.data.limit ?? DEFAULT_EVENTS_PAGE;
	const after = Number(query.data.after ?? "0");
	const stub = inventory(c.env, sku);
	const snapshot = await stub.snapshot();
	if (snapshot === null) return fail(c, "unknown_sku");
	const shards = snapshot.shards ?? 1;
	// Bring the trail up to date first, so a page never misses a change already answered.
	// Rows D1 did not take make any page possibly incomplete: 503, never a partial trail as whole.
	// The flush and the read share one D1 deadline (d1-budget.ts): the read gets what is left.
	if (!(await flushedWithin(budget, () => stub.flushEvents()))) {
		return fail(
			c,
			"unavailable",
			"The audit trail is not complete: some events are not in the database yet (it is failing); retry shortly.",
			{ "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
		);
	}
	// One page of the trail (trail-query.ts): a split SKU's shards merged in the order D1
	// received them. Both kinds of SKU answer the row's cursor as `cursor`.
	// A forward page reads one row past `limit`: `next` is null on the last page even when
	// that page is full, as docs/api.md says (the catalogue reads its pages the same way).
	const page = trailPageQuery(
		sku,
		shards,
		tail === undefined
			? { kind: "after", after, limit: limit + 1 }
			: { kind: "tail", tail, ...(before === undefined ? {} : { before: Number(before) }) },
	);
	const statement = c.env.DB.prepare(page.sql).bind(...page.params);
	const read = await budget.wait(() => statement.all<Record<string, string | number | null>>());
	const results = tail === undefined ? read.results.slice(0, limit) : read.results.reverse();
	const events: AuditEvent[] = results.map((r) => ({
		id: String(r.id),
		seq: Number(r.seq),
		// The event's place in the trail: what `after` and `before` take (docs/api.md).
		cursor: String(r.cursor),
		sku,
		...(shards === 1 ? {} : { shard: shardOfEventSku(String(r.sku)) }),
		type: r.type as AuditEvent["type"],
		at: String(r.at),
		...(r.reservation_id !== null ? { reservationId: String(r.reservation_id) } : {}),
		...(r.order_id !== null ? { orderId: String(r.order_id) } : {}),
		...(r.quantity !== null ? { quantity: Number(r.quantity) } : {}),
		...(r.session_id !== null ? { sessionId: String(r.session_id) } : {}),
		...(r.detail !== null
			? { detail: JSON.parse(String(r.detail)) as Record<string, unknown> }
			: {}),
	}));
	// `next` keeps the contract (null on the last page); `last` is the cursor of this page's
	// last row on every page, so a client following the trail resumes after it without
	// knowing which kind of cursor the SKU uses (a split SKU's `seq` is not one).
	const lastRow = results.at(-1);
	const last = lastRow === undefined ? null : String(lastRow.cursor);
	const more = tail === undefined && read.results.length > limit;
	return ok(c, { events, next: more ? last : null, last });
});

// The reserve path's history as the SKU object saw it (docs/metrics.md).
admin.get("/products/:sku/metrics", async (c) => {
	const sku = await skuParam(c);
	const query = MetricsQuery.safeParse(c.req.query());
	if (!query.success) {
		throw new ApiError(
			"invalid_request",
			query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
		);
	}
	// Attempts and refusals this isolate answered for the SKU are merged first.
	await deliverTallies(c.env, sku);
	const result = await inventory(c.env, sku).metrics(query.data.seconds ?? HISTORY_SECONDS);
	if (!result.ok) return fail(c, "unknown_sku");
	return ok(c, result.metrics);
});

admin.get("/products/:sku/stats", async (c) => {
	const sku = await skuParam(c);
	// Refusals this isolate counted for the SKU (e.g. resets) are merged first.
	await deliverTallies(c.env, sku);
	const stub = inventory(c.env, sku);
	const [result, resetPending] = await Promise.all([stub.stats(), stub.resetUnprojected()]);
	if (!result.ok) return fail(c, "unknown_sku");
	// docs/api.md "Demo modes": eventual mode's allocations, counted from its own D1 records.
	// Everything else is the object's: while D1 is out the operator still gets it, with
	// `eventual: null` for the demo's figure that could not be read (docs/api.md). A reset
	// not yet in D1: D1's records are the old drop's, and none of the new one's can exist.
	// The figure is optional: past OPTIONAL_D1_WAIT_MS the object's counters go without it.
	const eventual = resetPending
		? EVENTUAL_AFTER_RESET
		: await unlessSlow(
				c,
				eventualStats(c.env.DB, sku, result.stats.total).catch((error) => {
					if (error instanceof StorageUnavailable) return null;
					throw error;
				}),
				null,
			);
	return ok(c, { ...result.stats, eventual });
});

/** `<sku>#<i>` → i; the SKU's own trail (shard 0) has no suffix. */
function shardOfEventSku(eventSku: string): number {
	const hash = eventSku.indexOf("#");
	return hash < 0 ? 0 : Number(eventSku.slice(hash + 1));
}
