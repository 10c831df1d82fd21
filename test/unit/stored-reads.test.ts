// Which reads are in the SKU object's table is known in one place, StoredReads
// (src/inventory/readers.ts); the reserve guard knows only who read. A read is written with the
// session's next hold or ticket once: not again while it is known to be stored (recalled from
// the table, or written by a committed batch), again after a reset or a deletion forgot it.
// The table is a stand-in that answers the statements readers.ts sends.
import { describe, expect, it } from "vitest";
import {
	forgetReadersAfterReset,
	forgetReadersOf,
	recallReaders,
	StoredReads,
	storeReaders,
} from "../../src/inventory/readers.ts";
import { ReserveGuard } from "../../src/ratelimit/reserve-guard.ts";

/** The readers table, as far as readers.ts's statements go (no holds: a reset keeps no row). */
function table(rows: Iterable<string> = []) {
	const ids = new Set(rows);
	let selects = 0;
	const sql = {
		exec(query: string, ...bindings: unknown[]) {
			const listed = () => JSON.parse(String(bindings[0])) as string[];
			if (query.startsWith("INSERT INTO readers")) {
				for (const id of bindings) ids.add(String(id));
				return [];
			}
			if (query.startsWith("SELECT session_id FROM readers WHERE"))
				return listed()
					.filter((id) => ids.has(id))
					.map((session_id) => ({ session_id }));
			if (query === "SELECT session_id FROM readers") {
				selects += 1;
				return [...ids].map((session_id) => ({ session_id }));
			}
			if (query.startsWith("DELETE FROM readers WHERE session_id IN")) {
				const gone = listed().filter((id) => ids.delete(id));
				return gone.map((session_id) => ({ session_id }));
			}
			if (query.startsWith("DELETE FROM readers WHERE session_id NOT IN")) {
				ids.clear();
				return [];
			}
			throw new Error(`unexpected statement: ${query}`);
		},
	} as unknown as SqlStorage;
	return { sql, ids, selects: () => selects };
}

describe("the stored reads: one word on which reads are in the table", () => {
	it("stores a read once: recalled reads are not written again, a reset's forgetting writes it again", () => {
		const t = table(["ses_back"]);
		const guard = new ReserveGuard();
		const reads = new StoredReads(t.sql);
		// Met again after a restart: its read was stored with its hold.
		recallReaders(t.sql, guard, reads, ["ses_back", "ses_never"]);
		expect(guard.hasRead("ses_back")).toBe(true);
		expect(reads.has("ses_back")).toBe(true);
		expect(guard.hasRead("ses_never")).toBe(false);
		expect(storeReaders(t.sql, guard, reads, ["ses_back", "ses_never"])).toEqual([]);
		// A read not yet stored is due once, until stored (the caller adds it once committed).
		guard.markRead("ses_fresh");
		expect(storeReaders(t.sql, guard, reads, ["ses_fresh"])).toEqual(["ses_fresh"]);
		expect(t.ids.has("ses_fresh")).toBe(true);
		reads.added(["ses_fresh"]);
		expect(storeReaders(t.sql, guard, reads, ["ses_fresh"])).toEqual([]);
		// A reset forgets them: due again, the session unknown to the guard still not.
		forgetReadersAfterReset(t.sql, reads);
		expect(storeReaders(t.sql, guard, reads, ["ses_fresh", "ses_back", "ses_unknown"])).toEqual([
			"ses_fresh",
			"ses_back",
		]);
	});

	it("a deleted read is due again; a read the guard forgot and meets again is not written twice", () => {
		const t = table();
		const guard = new ReserveGuard(1);
		const reads = new StoredReads(t.sql);
		guard.markRead("ses_a");
		reads.added(storeReaders(t.sql, guard, reads, ["ses_a"]));
		// The guard's bound forgets ses_a; a read of it again is already known to be stored.
		guard.markRead("ses_b");
		expect(guard.tracks("ses_a")).toBe(false);
		guard.markRead("ses_a");
		expect(storeReaders(t.sql, guard, reads, ["ses_a"])).toEqual([]);
		// Its last hold went: the row and the word go together, and the next hold stores it again.
		forgetReadersOf(t.sql, reads, ["ses_a"], () => false);
		expect(t.ids.has("ses_a")).toBe(false);
		expect(reads.has("ses_a")).toBe(false);
		expect(storeReaders(t.sql, guard, reads, ["ses_a"])).toEqual(["ses_a"]);
	});

	it("is read whole once for the figures, and a drop reads it whole again", () => {
		const t = table(["ses_1", "ses_2"]);
		const reads = new StoredReads(t.sql);
		reads.added(["ses_3"]);
		expect(reads.has("ses_1")).toBe(false); // not read whole yet: maybe stored, maybe not
		expect([...reads.all()].sort()).toEqual(["ses_1", "ses_2", "ses_3"]);
		expect(reads.has("ses_1")).toBe(true);
		reads.all();
		expect(t.selects()).toBe(1);
		const before = reads.all();
		reads.dropped();
		expect([...before].sort()).toEqual(["ses_1", "ses_2", "ses_3"]);
		expect([...reads.all()].sort()).toEqual(["ses_1", "ses_2"]);
		expect(t.selects()).toBe(2);
	});
});
