// Where the load of a 50,000-ticket waiting room spends its time, inside workerd: the SQL read of
// the ticket rows, the rows made tickets, the room built from them (the ranks recomputed from the
// seed, the maps, the queue order, the places, the admissions), the keeper's whole load, and the
// object's first read after an eviction — for a room started (ranks recomputed) and one not
// started yet. It prints figures and asserts no time (docs/waiting-room.md, "What a load costs");
// it runs only when asked:
//   ROOM_LOAD_PROBE=1 flock /tmp/rg-bench.lock npx vitest run --project workers test/integration/room-load-time.test.ts
// Inside workerd the clock moves only across I/O, so each piece of compute is timed from the
// test's side of one call into the object, less an empty call's time.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type QueueTicket, type RoomSnapshot, WaitingRoom } from "../../src/domain/waiting-room.ts";
import { shuffledRanks } from "../../src/domain/waiting-room-shuffle.ts";
import { readTickets } from "../../src/inventory/room-ticket-rows.ts";
import { RoomKeeper } from "../../src/inventory/waiting-room.ts";
import { ADMIN, call, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { bigPreQueue, show, timed } from "./probe-timing.ts";

const TICKETS = 50_000;
const COLUMNS =
	"ticket_id, session_id, seq, joined_at, state, rank, admitted_at, admitted_until, used_at, client_key, unread";
const ROUNDS = 5;
const asked = (env as unknown as Record<string, unknown>).ROOM_LOAD_PROBE === "1";
/** The rows read in one call, built into a room in the next (the isolate keeps them between). */
let kept: { snapshot: RoomSnapshot; tickets: QueueTicket[] } | undefined;

/** A room of TICKETS pre-queue rows, started by the operator's PATCH when `started`. */
async function bigRoom(started: boolean): Promise<string> {
	const sku = await bigPreQueue(TICKETS);
	if (started) {
		const res = await call("PATCH", `/api/admin/products/${sku}`, {
			token: ADMIN,
			body: { startsAt: new Date().toISOString() },
		});
		expect(res.status).toBe(200);
	}
	return sku;
}

describe.skipIf(!asked)(
	"the load of a 50,000-ticket room (figures, no verdict)",
	{ timeout: 900_000 },
	() => {
		it("prints where the time goes", async () => {
			const skus = { started: await bigRoom(true), before: await bigRoom(false) };
			const rows: Record<string, number[]> = {};
			const add = (label: string, ms: number) => {
				rows[label] ??= [];
				rows[label]?.push(ms);
			};
			for (let r = 0; r < ROUNDS; r++) {
				for (const [which, sku] of Object.entries(skus)) {
					const inObject = (fn: (sql: SqlStorage) => unknown) =>
						timed(() =>
							runInDurableObject(stubOf(sku), (_: unknown, state: DurableObjectState) => {
								void fn(state.storage.sql);
							}),
						);
					// Running (an eviction needs it), then evicted: the next read loads the room.
					await stats(sku);
					await evictDurableObject(stubOf(sku));
					add(`${which}: first read (evicted)`, await timed(() => stats(sku)));
					add(`${which}: empty call`, await inObject(() => 0));
					add(
						`${which}: SELECT * as objects`,
						await inObject((sql) => sql.exec("SELECT * FROM room_tickets").toArray().length),
					);
					add(
						`${which}: SELECT columns raw`,
						await inObject((sql) => {
							let n = 0;
							for (const r of sql.exec(`SELECT ${COLUMNS} FROM room_tickets`).raw()) n += r.length;
							return n;
						}),
					);
					add(
						`${which}: readTickets`,
						await inObject((sql) => {
							const snapshot = JSON.parse(
								String(sql.exec("SELECT snapshot FROM room WHERE id = 1").one().snapshot),
							) as RoomSnapshot;
							kept = { snapshot, tickets: readTickets(sql) };
						}),
					);
					add(
						`${which}: shuffledRanks`,
						await inObject(
							() => kept?.snapshot.shuffled && shuffledRanks(TICKETS, kept.snapshot.seed),
						),
					);
					add(
						`${which}: new WaitingRoom (copies)`,
						await inObject(() => kept && new WaitingRoom(kept.snapshot, kept.tickets)),
					);
					kept = undefined;
					add(`${which}: RoomKeeper.load`, await inObject((sql) => new RoomKeeper(sql).load()));
				}
			}
			console.log(`room load at ${TICKETS} tickets, ${ROUNDS} rounds`);
			for (const [label, xs] of Object.entries(rows)) show(label, xs);
		});
	},
);
