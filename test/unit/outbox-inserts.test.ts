// The outbox drain's D1 statements (src/inventory/outbox.ts): events go in multi-row inserts of
// at most 10 rows (D1's 100 bound parameters, 10 columns), every event reaches D1 once and in
// order, and a projection (the orders table reads the payment event before it) runs only after
// its own event's row and every earlier one were inserted. SQLite and D1 are plain fakes here:
// the statements, not the engines, are under test (test/integration/audit.test.ts and
// checkout-saga.test.ts run the same drain against workerd's D1).

import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/inventory/outbox.ts";
import type { AuditEvent } from "../../src/shared/types.ts";

type Sent = { sql: string; params: unknown[] };

function fakes(events: AuditEvent[]) {
	let rows = events.map((e) => ({ seq: e.seq, event: JSON.stringify(e) }));
	const sql = {
		exec(query: string, ...params: unknown[]) {
			if (query.startsWith("SELECT seq, event FROM outbox")) {
				const batch = rows.slice(0, Number(params[0]));
				return { toArray: () => batch };
			}
			if (query.startsWith("DELETE FROM outbox")) {
				rows = rows.filter((r) => r.seq > Number(params[0]));
				return { toArray: () => [] };
			}
			throw new Error(`unexpected statement ${query}`);
		},
	} as unknown as SqlStorage;
	const batches: Sent[][] = [];
	const db = {
		prepare: (text: string) => ({ bind: (...params: unknown[]) => ({ sql: text, params }) }),
		batch: async (statements: Sent[]) => {
			batches.push(statements);
			return [];
		},
	} as unknown as D1Database;
	return { sql, db, batches, left: () => rows.length };
}

const event = (seq: number, type: AuditEvent["type"] = "reservation.created"): AuditEvent => ({
	id: `e${seq}`,
	seq,
	sku: "SKU",
	type,
	at: "2026-11-29T00:00:00.000Z",
	reservationId: `r${seq}`,
	sessionId: "s",
	quantity: 1,
});

/** The event ids an insert statement carries (its first parameter of every 10). */
function insertedIds(s: Sent): string[] {
	if (!s.sql.startsWith("INSERT OR IGNORE INTO events")) return [];
	const ids: string[] = [];
	for (let i = 0; i < s.params.length; i += 10) ids.push(String(s.params[i]));
	return ids;
}

describe("outbox drain to D1", () => {
	it("sends events in inserts of at most 10 rows, each once and in order", async () => {
		const events = Array.from({ length: 25 }, (_, i) => event(i + 1));
		const f = fakes(events);
		expect(await new Outbox(f.sql, f.db, () => {}).flush()).toBe(true);
		const statements = f.batches.flat();
		expect(statements.map((s) => insertedIds(s).length)).toEqual([10, 10, 5]);
		expect(statements.flatMap(insertedIds)).toEqual(events.map((e) => e.id));
		for (const s of statements) {
			expect(s.params).toHaveLength(insertedIds(s).length * 10);
			expect((s.sql.match(/\?/g) ?? []).length).toBe(s.params.length);
		}
		expect(f.left()).toBe(0);
	});

	it("runs a projection only after its own event and every earlier one were inserted", async () => {
		const events = Array.from({ length: 15 }, (_, i) =>
			event(i + 1, i === 11 ? "order.created" : "reservation.created"),
		);
		const f = fakes(events);
		const projected = (e: AuditEvent) =>
			e.type === "order.created"
				? [{ sql: `PROJECT ${e.id}`, params: [] } as unknown as D1PreparedStatement]
				: [];
		expect(await new Outbox(f.sql, f.db, () => {}, projected).flush()).toBe(true);
		const statements = f.batches.flat();
		const at = statements.findIndex((s) => s.sql === "PROJECT e12");
		expect(at).toBeGreaterThan(0);
		const before = statements.slice(0, at).flatMap(insertedIds);
		expect(before).toEqual(events.slice(0, 12).map((e) => e.id));
		expect(statements.flatMap(insertedIds)).toEqual(events.map((e) => e.id));
	});
});
