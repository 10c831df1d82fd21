// The audit trail's page read (GET /api/admin/products/:sku/events), as SQL on D1's `events`.
// A one-object SKU's events are stored under its SKU with one sequence: a page walks
// `events_by_sku_seq` from the cursor (`seq`). A split SKU's shards each keep their own
// sequence, stored under `<sku>#<i>` (docs/decisions/020-escrow-shards.md): one page merges
// them in the order D1 received them, and the cursor is that order (the row id). Its rows are
// found by `trail_sku` (the SKU without a shard's `#<i>`, migrations/0007_trail_by_sku.sql),
// whose index keeps them in row-id order, so a page reads its own rows and stops at the limit
// rather than collecting and sorting every event of the SKU
// (docs/decisions/091-one-server-per-state-trail-pages-and-a-stale-notice.md).
// A tail (the newest events, or the newest before a cursor) is read newest first; the caller
// turns it.

/** What each page row carries besides its cursor. */
const COLUMNS = "id, seq, sku, type, at, reservation_id, order_id, quantity, session_id, detail";

export type TrailPage =
	| { kind: "after"; after: number; limit: number }
	| { kind: "tail"; tail: number; before?: number };

/** The statement and its parameters for one page of `sku`'s trail (`shards`: the SKU's count). */
export function trailPageQuery(
	sku: string,
	shards: number,
	page: TrailPage,
): { sql: string; params: (string | number)[] } {
	const [order, where] = shards === 1 ? ["seq", "sku = ?"] : ["rowid", "trail_sku = ?"];
	const head = `SELECT ${order} AS cursor, ${COLUMNS} FROM events WHERE ${where}`;
	return page.kind === "after"
		? {
				sql: `${head} AND ${order} > ? ORDER BY ${order} LIMIT ?`,
				params: [sku, page.after, page.limit],
			}
		: page.before === undefined
			? { sql: `${head} ORDER BY ${order} DESC LIMIT ?`, params: [sku, page.tail] }
			: {
					sql: `${head} AND ${order} < ? ORDER BY ${order} DESC LIMIT ?`,
					params: [sku, page.before, page.tail],
				};
}
