// A waiting room on a SKU split across shards, and `kill -9` of the whole `npm start` process
// group while a shard's report to the coordinator is still waiting for its gap
// (docs/decisions/073-room-and-escrow-after-a-restart.md, "An alarm stands while a report is
// unconfirmed"; 080 extends it to a recount in pages). The report's timer dies with the
// process; the alarm written in the cancel's own transaction does not. After the restart no
// request reaches that shard (the waiting buyer reads only its ticket, from the coordinator),
// so only the alarm can load it: it must, and its report (a recount of its holds and its
// counts) must let the waiting buyer in, long before the admission that blocks the line lapses.
//
// 64 shards make the report gap 630 ms (room-shard-protocol.ts reportGapMs): a cancel right after
// a reported hold waits that long for its report, and the kill comes right after the cancel's
// answer. Whether the report really was still waiting is read from the coordinator's SQLite
// file while the server is down (the waiting ticket not admitted yet); a round in which it was
// not (a very slow machine) is run again on a new SKU.

import { afterAll, describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Reservation, Ticket } from "../../src/shared/types.ts";
import { objectFiles, readOnly } from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const SHARDS = 64;
/** Rounds tried until one kills the server before the shard's report went. */
const MAX_ROUNDS = 3;
/** The admission that blocks the line lasts this long: far beyond the test's wait. */
const ADMIT_SECONDS = 600;
/** The alarm runs 1 s (ROOM_RETRY_MS) after the cancel; a loaded machine restarts slowly. */
const ADMITTED_WITHIN_MS = 20_000;

interface Buyer {
	token: string;
	sessionId: string;
}

async function buyerOn(server: TestServer, ok: (shard: number) => boolean): Promise<Buyer> {
	for (let tries = 0; tries < 200; tries++) {
		const res = await api<Buyer>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		expect(res.status).toBe(201);
		const b = res.body.data as Buyer;
		if (ok(shardOf(b.sessionId, SHARDS))) return b;
	}
	throw new Error("no session hashed to a wanted shard");
}

const ticketOf = async (server: TestServer, sku: string, b: Buyer) =>
	(await api<Ticket>(server, "GET", `/api/products/${sku}/queue`, { token: b.token })).body
		.data as Ticket;

/** The state of the session's ticket in the coordinator's own database (the server is down). */
function storedTicketState(stateDir: string, sku: string, sessionId: string): string | null {
	const dir = `${stateDir}/v3/do/revenue-guard-InventoryObject`;
	for (const file of objectFiles(stateDir, "InventoryObject")) {
		const db = readOnly(`${dir}/${file}`);
		try {
			const tables = db
				.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'escrow'")
				.all();
			if (tables.length === 0) continue;
			const row = db.prepare("SELECT ledger FROM escrow WHERE id = 1").get() as
				| { ledger: string }
				| undefined;
			const ledger =
				row === undefined ? null : (JSON.parse(row.ledger) as { sku: string; pool: unknown });
			if (ledger === null || ledger.sku !== sku || ledger.pool === null) continue;
			const ticket = db
				.prepare("SELECT state FROM room_tickets WHERE session_id = ?")
				.get(sessionId) as { state: string } | undefined;
			return ticket?.state ?? null;
		} finally {
			db.close();
		}
	}
	throw new Error(`no coordinator database for ${sku}`);
}

describe("kill -9 while a shard's room report waits for its gap", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("the shard's alarm survives: after the restart it loads the shard, which reports, and the waiting buyer is admitted", async () => {
		server = await startServer();
		let exercised = false;
		for (let round = 1; round <= MAX_ROUNDS && !exercised; round++) {
			const live: TestServer = server;
			const sku = `CRASH-ROOM-${crypto.randomUUID().slice(0, 8)}`;
			const created = await api(live, "POST", "/api/admin/products", {
				token: live.adminToken,
				body: {
					sku,
					name: "Crash, room on shards",
					priceCents: 100,
					currency: "USD",
					totalStock: 1,
					perUserLimit: 1,
					holdSeconds: 3600,
					shards: SHARDS,
					waitingRoom: { enabled: true, admitSeconds: ADMIT_SECONDS, overbook: 0 },
				},
			});
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			// Every shard's first grant (and the room's state) delivered before anything else.
			expect(
				(await api(live, "GET", `/api/admin/products/${sku}/stats`, { token: live.adminToken }))
					.status,
			).toBe(200);
			// a on a shard that is not the coordinator, b on yet another one.
			const a = await buyerOn(live, (s) => s !== 0);
			const aShard = shardOf(a.sessionId, SHARDS);
			const b = await buyerOn(live, (s) => s !== 0 && s !== aShard);
			expect(
				(await api(live, "POST", `/api/products/${sku}/queue`, { token: a.token })).status,
			).toBe(201);
			expect(
				(await api(live, "POST", `/api/products/${sku}/queue`, { token: b.token })).status,
			).toBe(201);
			expect((await ticketOf(live, sku, a)).state).toBe("admitted");
			expect((await ticketOf(live, sku, b)).state).toBe("waiting");

			// a's hold is reported at once (a first hold); the cancel right after waits for the gap.
			const held = await api<Reservation>(live, "POST", "/api/reservations", {
				token: a.token,
				body: { sku },
			});
			expect(held.status, JSON.stringify(held.body)).toBe(201);
			const id = held.body.data?.reservationId as string;
			const cancelled = await api(live, "DELETE", `/api/reservations/${id}`, { token: a.token });
			expect(cancelled.status).toBe(200);
			await live.crash();

			// Down: had the cancel's report gone, the coordinator would have admitted b at once.
			exercised = storedTicketState(live.stateDir, sku, b.sessionId) === "waiting";
			server = await live.restart();
			const up: TestServer = server;
			// Only b's ticket is read (the coordinator's), nothing that would load a's shard.
			const started = Date.now();
			let state = (await ticketOf(up, sku, b)).state;
			while (state !== "admitted" && Date.now() - started < ADMITTED_WITHIN_MS) {
				await sleep(250);
				state = (await ticketOf(up, sku, b)).state;
			}
			expect(state, `round ${round}: b's ticket after the restart`).toBe("admitted");
			const stats = await api<{ reserved: number; available: number; oversellCount: number }>(
				up,
				"GET",
				`/api/admin/products/${sku}/stats`,
				{ token: up.adminToken },
			);
			expect(stats.body.data).toMatchObject({ reserved: 0, available: 1, oversellCount: 0 });
			const bHold = await api(up, "POST", "/api/reservations", { token: b.token, body: { sku } });
			expect(bHold.status, JSON.stringify(bHold.body)).toBe(201);
		}
		expect(exercised, `no round of ${MAX_ROUNDS} killed the server before the report went`).toBe(
			true,
		);
	});
});
