// Idempotency-Key records end (docs/decisions/009-idempotency-window.md): a
// granted hold's at its expiresAt plus the session lifetime, a rejection's 300 s
// after it was decided. Inside the window a replay answers the original outcome;
// after it a rejected key is decided afresh; the alarm deletes ended records in
// bounded batches. The object reads the real clock, so no test waits for a
// window: the pruning is driven with an explicit `nowMs`, and "the window has
// ended" is made true by moving a record's end to the present in storage.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	DEFAULT_SESSION_TTL_SECONDS,
	IDEMPOTENCY_PRUNE_BATCH,
	IDEMPOTENCY_PRUNE_SLACK_MS,
	IDEMPOTENCY_REJECTED_SECONDS,
	MAX_RESERVE_BATCH,
} from "../../src/domain/bounds.ts";
import type { InventoryObject } from "../../src/inventory/object.ts";
import { pruneOutcomes } from "../../src/inventory/records.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { call, createProduct } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const REJECTED_MS = IDEMPOTENCY_REJECTED_SECONDS * 1000;
/** wrangler.jsonc's SESSION_TTL_SECONDS, which the tests run with. */
const SESSION_MS = DEFAULT_SESSION_TTL_SECONDS * 1000;

async function session(): Promise<{ token: string; sessionId: string }> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: "test-debug-token" },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return res.body.data;
}

function reserve(sku: string, token: string, key: string | null) {
	return call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku },
		headers: key === null ? {} : { "Idempotency-Key": key },
	});
}

/** The end of one record, straight from the object's storage. */
async function recordEnd(sku: string, sessionId: string, key: string): Promise<number | undefined> {
	return runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
		const row = state.storage.sql
			.exec<{ expires_at: number }>(
				"SELECT expires_at FROM idempotency WHERE session_id = ? AND key = ?",
				sessionId,
				key,
			)
			.toArray()[0];
		return row?.expires_at;
	});
}

/** The window of one record ends now (instead of waiting for it). */
async function endWindow(sku: string, sessionId: string, key: string): Promise<void> {
	await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
		state.storage.sql.exec(
			"UPDATE idempotency SET expires_at = ? WHERE session_id = ? AND key = ?",
			Date.now(),
			sessionId,
			key,
		);
	});
}

async function recordCount(sku: string): Promise<number> {
	return runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
		Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM idempotency").one().n),
	);
}

/** `count` keyed attempts straight to the object, in RPC batches; every key is new. */
async function keyedAttempts(sku: string, count: number, prefix: string): Promise<void> {
	const stub = stubOf(sku);
	for (let start = 0; start < count; start += MAX_RESERVE_BATCH) {
		const attempts = Array.from({ length: Math.min(MAX_RESERVE_BATCH, count - start) }, (_, i) => ({
			id: `rsv_${prefix}${start + i}~${sku}`,
			sessionId: `${prefix}-session-${start + i}`,
			quantity: 1,
			idempotencyKey: `${prefix}-key-${start + i}`,
		}));
		const results = await stub.reserve(attempts, null);
		expect(results.every((r) => !r.ok && r.code === "sold_out")).toBe(true);
	}
}

describe.concurrent("Idempotency-Key windows", () => {
	it("replays a rejection inside its window, and decides the key afresh after it", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 1 });
		const holder = await session();
		const buyer = await session();
		const first = await reserve(sku, holder.token, null);
		expect(first.status).toBe(201);

		const before = Date.now();
		const soldOut = await reserve(sku, buyer.token, "k-late");
		const after = Date.now();
		expect(soldOut.body.error?.code).toBe("sold_out");
		const end = await recordEnd(sku, buyer.sessionId, "k-late");
		expect(end).toBeGreaterThanOrEqual(before + REJECTED_MS);
		expect(end).toBeLessThanOrEqual(after + REJECTED_MS);

		// A unit comes back; inside the window the key still answers what it answered.
		const cancel = await call("DELETE", `/api/reservations/${first.body.data?.reservationId}`, {
			token: holder.token,
		});
		expect(cancel.status).toBe(200);
		const inside = await reserve(sku, buyer.token, "k-late");
		expect(inside.status).toBe(409);
		expect(inside.body.error?.code).toBe("sold_out");

		// After the window the key is decided afresh (before the alarm pruned it, too)…
		await endWindow(sku, buyer.sessionId, "k-late");
		const afresh = await reserve(sku, buyer.token, "k-late");
		expect(afresh.status).toBe(201);
		// …and the new outcome is the key's answer from then on, with a hold's window.
		const again = await reserve(sku, buyer.token, "k-late");
		expect(again.status).toBe(201);
		expect(again.body.data?.reservationId).toBe(afresh.body.data?.reservationId);
		expect(await recordEnd(sku, buyer.sessionId, "k-late")).toBe(
			Date.parse(afresh.body.data?.expiresAt ?? "") + SESSION_MS,
		);
	});

	it("keeps a granted hold's outcome past the hold's end, until its expiresAt plus the session lifetime", async () => {
		const sku = await createProduct({ totalStock: 2, perUserLimit: 2 });
		const buyer = await session();
		const hold = await reserve(sku, buyer.token, "k-hold");
		expect(hold.status).toBe(201);
		const reservation = hold.body.data as Reservation;
		expect(await recordEnd(sku, buyer.sessionId, "k-hold")).toBe(
			Date.parse(reservation.expiresAt) + SESSION_MS,
		);
		const cancel = await call("DELETE", `/api/reservations/${reservation.reservationId}`, {
			token: buyer.token,
		});
		expect(cancel.status).toBe(200);
		// The hold ended; a late retry of its key still answers it and takes nothing.
		const replay = await reserve(sku, buyer.token, "k-hold");
		expect(replay.status).toBe(201);
		expect(replay.body.data?.reservationId).toBe(reservation.reservationId);
		const product = await call<{ availability: { available: number } }>(
			"GET",
			`/api/products/${sku}`,
		);
		expect(product.body.data?.availability.available).toBe(2);
	});

	it("prunes ended records oldest first, at most a batch per run, and keeps the live ones", async () => {
		const sku = await createProduct({ totalStock: 1, perUserLimit: 1 });
		const buyer = await session();
		const hold = await reserve(sku, buyer.token, "k-live-hold");
		expect(hold.status).toBe(201);
		const count = 2 * IDEMPOTENCY_PRUNE_BATCH + 300;
		const decidedFrom = Date.now();
		await keyedAttempts(sku, count, "burst");
		const decidedTo = Date.now();
		expect(await recordCount(sku)).toBe(count + 1);

		// The object asked for an alarm soon after the first of them ends.
		const alarm = await runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
			state.storage.getAlarm(),
		);
		expect(alarm).toBeLessThanOrEqual(decidedTo + REJECTED_MS + IDEMPOTENCY_PRUNE_SLACK_MS);

		// With the clock past every rejection's window (injected), each run deletes one batch.
		const later = decidedTo + REJECTED_MS + 1;
		const runs = await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			const out: { deleted: number; nextExpiryMs: number | null }[] = [];
			for (let i = 0; i < 4; i++)
				out.push(pruneOutcomes(state.storage.sql, later, IDEMPOTENCY_PRUNE_BATCH));
			return out;
		});
		expect(runs.map((r) => r.deleted)).toEqual([
			IDEMPOTENCY_PRUNE_BATCH,
			IDEMPOTENCY_PRUNE_BATCH,
			300,
			0,
		]);
		// While ended records remained, the next end was already due: the alarm comes back at once.
		expect(runs[0]?.nextExpiryMs).toBeLessThanOrEqual(later);
		expect(runs[0]?.nextExpiryMs).toBeGreaterThanOrEqual(decidedFrom + REJECTED_MS);
		// Then only the hold's record is left, ending at its expiresAt plus the session lifetime.
		const holdEnd = Date.parse(hold.body.data?.expiresAt ?? "") + SESSION_MS;
		expect(runs[3]?.nextExpiryMs).toBe(holdEnd);
		expect(await recordCount(sku)).toBe(1);
		const replay = await reserve(sku, buyer.token, "k-live-hold");
		expect(replay.body.data?.reservationId).toBe(hold.body.data?.reservationId);
	});

	it("the alarm deletes ended records by itself, in runs of a batch, until none is left", async () => {
		const sku = await createProduct({ totalStock: 0 });
		const count = IDEMPOTENCY_PRUNE_BATCH + 500;
		await keyedAttempts(sku, count, "alarm");
		await keyedAttempts(sku, 20, "live");
		// The burst's windows end now; the 20 "live" ones keep theirs.
		await runInDurableObject(stubOf(sku), (_: InventoryObject, state) => {
			state.storage.sql.exec(
				"UPDATE idempotency SET expires_at = ? WHERE key LIKE 'alarm-%'",
				Date.now(),
			);
		});
		expect(await runDurableObjectAlarm(stubOf(sku))).toBe(true);
		// One run deleted one batch; the rest goes in the runs that follow on their own.
		const deadline = Date.now() + 20_000;
		let left = await recordCount(sku);
		expect(left).toBeLessThanOrEqual(count + 20 - IDEMPOTENCY_PRUNE_BATCH);
		while (left > 20 && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 100));
			left = await recordCount(sku);
		}
		expect(left).toBe(20);
		const live = await runInDurableObject(stubOf(sku), (_: InventoryObject, state) =>
			Number(
				state.storage.sql
					.exec("SELECT COUNT(*) AS n FROM idempotency WHERE key LIKE 'live-%'")
					.one().n,
			),
		);
		expect(live).toBe(20);
	});
});
