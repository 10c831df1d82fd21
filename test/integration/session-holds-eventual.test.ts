// GET /api/products/:sku/holds/mine and eventual mode (docs/api.md, "The session's holds";
// docs/decisions/141-address-refusals-in-the-series-and-eventual-holds.md, section 2): the default
// read lists the object's holds only, never an eventual allocation (no object holds one), and
// `?mode=eventual` lists the session's allocations from eventual mode's own books, as their 201s
// answered them, with their sum for the purchase limit; none while a reset has not reached D1.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Reservation, SessionHolds } from "../../src/shared/types.ts";
import { ADMIN, call, createProduct, newSession, stats } from "./helpers.ts";
import { pendReset } from "./pending-reset.ts";

const mine = (token: string, sku: string, query = "") =>
	call<SessionHolds>("GET", `/api/products/${sku}/holds/mine${query}`, { token });

async function holdsOf(token: string, sku: string, query = ""): Promise<SessionHolds> {
	const res = await mine(token, sku, query);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as SessionHolds;
}

async function reserve(token: string, sku: string, quantity: number, mode: "safe" | "eventual") {
	const res = await call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity, mode },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

/** A listed allocation is its 201's answer, its countdown read later (a second on at most). */
function sameAllocation(listed: Reservation | undefined, answered: Reservation): void {
	expect({ ...listed, expiresInSeconds: 0 }).toEqual({ ...answered, expiresInSeconds: 0 });
	const gone = answered.expiresInSeconds - (listed?.expiresInSeconds ?? -1);
	expect(gone).toBeGreaterThanOrEqual(0);
	expect(gone).toBeLessThanOrEqual(2);
}

describe.each([1, 2])("holds/mine and eventual mode (shards %i)", (shards) => {
	it("lists a session's eventual allocations under ?mode=eventual, and only there", async () => {
		const sku = await createProduct({ totalStock: 20, perUserLimit: 6, shards });
		const token = await newSession();
		const other = await newSession();
		const first = await reserve(token, sku, 2, "eventual");
		const second = await reserve(token, sku, 1, "eventual");
		const held = await reserve(token, sku, 1, "safe");
		await reserve(other, sku, 3, "eventual");

		// The default read: the object's hold only; an allocation is no hold of it.
		const safe = await holdsOf(token, sku);
		expect(safe.holds.map((h) => h.reservationId)).toEqual([held.reservationId]);
		expect(safe).toMatchObject({ usedUnits: 1, perUserLimit: 6 });
		expect(await holdsOf(token, sku, "?mode=safe")).toMatchObject({
			holds: safe.holds.map((h) => ({ reservationId: h.reservationId })),
			usedUnits: 1,
		});

		// Eventual mode's own books: this session's allocations, oldest first, as answered.
		const eventual = await holdsOf(token, sku, "?mode=eventual");
		expect(eventual.holds).toHaveLength(2);
		sameAllocation(eventual.holds[0], first);
		sameAllocation(eventual.holds[1], second);
		expect(eventual).toMatchObject({ usedUnits: 3, perUserLimit: 6, coolDownUntil: null });
		// The sum is what eventual mode's limit counts: 3 + 4 > 6 is refused.
		const over = await call("POST", "/api/reservations", {
			token,
			body: { sku, quantity: 4, mode: "eventual" },
		});
		expect(over.status).toBe(403);
		expect(over.body.error?.code).toBe("purchase_limit");
		expect((await holdsOf(other, sku, "?mode=eventual")).usedUnits).toBe(3);
	});
});

describe("holds/mine?mode=eventual around a reset", () => {
	it("lists none while a reset has not reached D1, and none of the old drop after it", async () => {
		const sku = await createProduct({ totalStock: 10, perUserLimit: 10 });
		const token = await newSession();
		await reserve(token, sku, 3, "eventual");
		expect((await holdsOf(token, sku, "?mode=eventual")).usedUnits).toBe(3);

		// The object's own reset event, not yet copied to D1.
		await pendReset(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), sku, 10);
		expect(await holdsOf(token, sku, "?mode=eventual")).toEqual({
			holds: [],
			usedUnits: 0,
			perUserLimit: 10,
			coolDownUntil: null,
		});
		// The events route copies the outbox first: the reset lands and clears the old books.
		expect(
			(await call("GET", `/api/admin/products/${sku}/events?limit=1`, { token: ADMIN })).status,
		).toBe(200);
		expect((await holdsOf(token, sku, "?mode=eventual")).holds).toEqual([]);
		const again = await reserve(token, sku, 1, "eventual");
		const after = await holdsOf(token, sku, "?mode=eventual");
		expect(after.usedUnits).toBe(1);
		sameAllocation(after.holds[0], again);
	});

	it("refuses a mode that is neither (400 naming mode) and changes nothing", async () => {
		const sku = await createProduct({ totalStock: 5, perUserLimit: 2 });
		const token = await newSession();
		await reserve(token, sku, 1, "eventual");
		const before = await stats(sku);
		for (const query of ["?mode=EVENTUAL", "?mode=", "?mode=lazy"]) {
			const res = await mine(token, sku, query);
			expect(res.status, query).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/^mode: /);
		}
		const after = await stats(sku);
		expect({ ...after, asOf: "" }).toEqual({ ...before, asOf: "" });
		expect((await holdsOf(token, sku, "?mode=eventual")).usedUnits).toBe(1);
	});
});
