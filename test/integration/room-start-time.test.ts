// Where a waiting room's start spends its time at 50,000 tickets, inside workerd: the shuffle's
// digests, its draws, the whole shuffle, the room's own start in the domain, the operator's start
// PATCH (and the same PATCH once started), and the first read after an eviction, before and after
// the start. It prints figures and asserts no time (docs/waiting-room.md, "What the start costs");
// it runs only when asked:
//   ROOM_START_PROBE=1 flock /tmp/rg-bench.lock npx vitest run --project workers test/integration/room-start-time.test.ts
// Inside workerd the clock moves only across I/O, so each piece of compute is timed from the
// test's side of one call into the object, less an empty call's time.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WaitingRoom } from "../../src/domain/waiting-room.ts";
import { seededDraw, shuffledRanks } from "../../src/domain/waiting-room-shuffle.ts";
import { ADMIN, call, stats } from "./helpers.ts";
import { stubOf } from "./objects.ts";
import { bigPreQueue, show, timed } from "./probe-timing.ts";
import { createRoomProduct, PRE_QUEUE_HOLD_MS } from "./room-support.ts";

const TICKETS = 50_000;
const ROUNDS = 5;
const SEED = "9f".repeat(32);
const asked = (env as unknown as Record<string, unknown>).ROOM_START_PROBE === "1";
const T0 = Date.UTC(2026, 0, 1);
const ROOM = { enabled: true, admitSeconds: 60, overbook: 0 };
const STOCK = { available: 4, returnable: 0 };
/** The room of the domain-only rows, kept in the isolate between calls. */
let room: WaitingRoom | undefined;

describe.skipIf(!asked)(
	"the start of a 50,000-ticket room (figures, no verdict)",
	{ timeout: 600_000 },
	() => {
		it("prints where the time goes", async () => {
			const sink = await createRoomProduct({
				totalStock: 4,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
			});
			const inObject = (fn: () => unknown) =>
				timed(() => runInDurableObject(stubOf(sink.sku), () => void fn()));
			const rows: Record<string, number[]> = {
				empty: [],
				digests: [],
				draws: [],
				shuffle: [],
				roomStart: [],
				roomDrain: [],
				start: [],
				patch: [],
				loadBefore: [],
				load: [],
			};
			for (let r = 0; r < ROUNDS; r++) {
				rows.empty?.push(await inObject(() => 0));
				// The digests a 50,000 shuffle draws from: draws in [0, 1) take every word, 8 a digest.
				rows.digests?.push(
					await inObject(() => {
						const draw = seededDraw(SEED);
						for (let i = TICKETS; i > 1; i--) draw(1);
					}),
				);
				rows.draws?.push(
					await inObject(() => {
						const draw = seededDraw(SEED);
						for (let i = TICKETS; i > 1; i--) draw(i);
					}),
				);
				rows.shuffle?.push(await inObject(() => shuffledRanks(TICKETS, SEED)));
				// The room's own start (domain/waiting-room.ts advance at startsAt), its tickets joined
				// in an untimed call before, then what the object writes of it (drain, snapshot).
				await inObject(() => {
					room = WaitingRoom.enable(ROOM, SEED, T0);
					for (let i = 1; i <= TICKETS; i++) room.join(`s${i}`, `t${i}`, T0, T0 + 1, STOCK);
					room.drain();
				});
				rows.roomStart?.push(await inObject(() => room?.advance(T0 + 1, T0 + 1, STOCK)));
				rows.roomDrain?.push(
					await inObject(() => JSON.stringify(room?.drain() && room?.snapshot())),
				);
				room = undefined;

				const sku = await bigPreQueue(TICKETS);
				rows.loadBefore?.push(await timed(() => stats(sku)));
				const t0 = Date.now();
				const started = await call("PATCH", `/api/admin/products/${sku}`, {
					token: ADMIN,
					body: { startsAt: new Date().toISOString() },
				});
				rows.start?.push(Date.now() - t0);
				expect(started.status).toBe(200);
				// The same PATCH once the room has started: what the start's PATCH costs without the start.
				rows.patch?.push(
					await timed(() =>
						call("PATCH", `/api/admin/products/${sku}`, {
							token: ADMIN,
							body: { startsAt: new Date().toISOString() },
						}),
					),
				);
				await evictDurableObject(stubOf(sku));
				rows.load?.push(await timed(() => stats(sku)));
			}
			console.log(`room start at ${TICKETS} tickets, ${ROUNDS} rounds`);
			for (const [label, xs] of Object.entries(rows)) show(label, xs);
		});
	},
);
