// A session whose own hold ended unpaid cannot take the SKU's units again at once
// (src/domain/hold-cooldown.ts; docs/decisions/127-a-hold-that-ends-unpaid-cools-its-session.md).
// Without it a script re-reserves at expiresAt + a few ms and keeps the stock for good (review 21,
// R21-8): lazy expiry frees the units and hands them back to it in one decision. Real time, in
// workerd, on one object and on a split SKU, and across a restart of the objects.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardName } from "../../src/domain/escrow.ts";
import { cooldownMs } from "../../src/domain/hold-cooldown.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Reservation, SessionHolds } from "../../src/shared/types.ts";
import { call, createProduct, newSession } from "./helpers.ts";
import { stubOf } from "./objects.ts";

const HOLD_SECONDS = 1;
const COOL_SECONDS = cooldownMs(HOLD_SECONDS) / 1000;

function reserve(sku: string, token: string, quantity = 2, key?: string) {
	return call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity },
		...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
	});
}

async function held(sku: string, token: string, quantity = 2): Promise<Reservation> {
	const res = await reserve(sku, token, quantity);
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Reservation;
}

/** Until 1 ms past the hold's expiresAt: the script's moment. */
async function pastExpiry(hold: Reservation): Promise<void> {
	await sleep(Math.max(0, Date.parse(hold.expiresAt) + 1 - Date.now()));
}

function expectCooldown(res: Awaited<ReturnType<typeof reserve>>, sku: string): void {
	expect(res.status, JSON.stringify(res.body)).toBe(429);
	const error = res.body.error as { code: string; message: string; retryAfterSeconds: number };
	expect(error.code).toBe("hold_cooldown");
	expect(error.message).toContain(sku);
	expect(error.retryAfterSeconds).toBeGreaterThan(0);
	expect(error.retryAfterSeconds).toBeLessThanOrEqual(COOL_SECONDS);
	expect(res.headers.get("retry-after")).toBe(String(error.retryAfterSeconds));
}

describe.concurrent("the cool-down after a session's own unpaid hold", { timeout: 60_000 }, () => {
	it("stock 2, hold 1 s, limit 2: A's reserve at expiresAt + 1 ms is refused, B's is taken", async () => {
		const sku = await createProduct({ totalStock: 2, holdSeconds: HOLD_SECONDS, perUserLimit: 2 });
		const [a, b] = await Promise.all([newSession(), newSession()]);
		const first = await held(sku, a);
		await pastExpiry(first);
		expectCooldown(await reserve(sku, a), sku);
		// The same refusal for a keyed attempt (never stored as the key's outcome: it passes with time).
		expectCooldown(await reserve(sku, a, 2, crypto.randomUUID()), sku);
		const taken = await reserve(sku, b);
		expect(taken.status, JSON.stringify(taken.body)).toBe(201);
	});

	it("a release keeps the hold's time: re-reserving after it gains none, and the end cools", async () => {
		// 8 s: the cancel and the re-reserve must come before the first hold's real end (a 3-s hold
		// ended first on a loaded machine, and the re-reserve met the cool-down instead).
		const sku = await createProduct({ totalStock: 4, holdSeconds: 8, perUserLimit: 2 });
		const a = await newSession();
		const first = await held(sku, a);
		const cancelled = await call("DELETE", `/api/reservations/${first.reservationId}`, {
			token: a,
		});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		const again = await held(sku, a, 1);
		expect(again.expiresAt).toBe(first.expiresAt);
		await pastExpiry(again);
		expectCooldown(await reserve(sku, a, 1), sku);
	});

	it("holds across a restart of the object: it is read back from the stored ended holds", async () => {
		const sku = await createProduct({ totalStock: 2, holdSeconds: HOLD_SECONDS, perUserLimit: 2 });
		const a = await newSession();
		const first = await held(sku, a);
		await pastExpiry(first);
		// Let the alarm end the hold, then forget the object's memory.
		await sleep(300);
		await evictDurableObject(stubOf(sku));
		expectCooldown(await reserve(sku, a), sku);
	});

	it("on a split SKU: the session's shard refuses it, across a restart, and another session takes the units", async () => {
		const shards = 2;
		const sku = await createProduct({
			totalStock: 8,
			holdSeconds: HOLD_SECONDS,
			perUserLimit: 2,
			shards,
		});
		const a = await newSession();
		const first = await held(sku, a);
		await pastExpiry(first);
		expectCooldown(await reserve(sku, a), sku);
		for (let i = 0; i < shards; i++)
			await evictDurableObject(stubOf(i === 0 ? sku : shardName(sku, i)));
		expectCooldown(await reserve(sku, a), sku);
		const b = await newSession();
		const taken = await reserve(sku, b);
		expect(taken.status, JSON.stringify(taken.body)).toBe(201);
	});

	it("the session's read of its holds says the cool-down while it runs, on one object and on a split SKU", async () => {
		for (const shards of [1, 2]) {
			const sku = await createProduct({
				totalStock: 8,
				holdSeconds: HOLD_SECONDS,
				perUserLimit: 2,
				...(shards > 1 ? { shards } : {}),
			});
			const a = await newSession();
			expect((await mine(sku, a)).coolDownUntil).toBeNull();
			const first = await held(sku, a);
			expect((await mine(sku, a)).coolDownUntil).toBeNull();
			await pastExpiry(first);
			// An expiry held until its expiresAt, however late lazy expiry or the alarm found it
			// ended (decision 135); the cool-down runs COOL_SECONDS from then.
			const expected = new Date(Date.parse(first.expiresAt) + COOL_SECONDS * 1000).toISOString();
			const read = await mine(sku, a);
			expect(read.holds).toEqual([]);
			expect(read.coolDownUntil).toBe(expected);
			expectCooldown(await reserve(sku, a), sku);
			// Read back the same after a restart (from the stored expiresAt), and another session
			// has none.
			for (let i = 0; i < shards; i++)
				await evictDurableObject(stubOf(i === 0 ? sku : shardName(sku, i)));
			expect((await mine(sku, a)).coolDownUntil, `shards ${shards}`).toBe(expected);
			expect((await mine(sku, await newSession())).coolDownUntil).toBeNull();
		}
	});

	it("a released hold whose time is not over yet says no cool-down: its session may reserve", async () => {
		const sku = await createProduct({ totalStock: 4, holdSeconds: 30, perUserLimit: 2 });
		const a = await newSession();
		const first = await held(sku, a);
		const cancelled = await call("DELETE", `/api/reservations/${first.reservationId}`, {
			token: a,
		});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		expect((await mine(sku, a)).coolDownUntil).toBeNull();
		await held(sku, a, 1);
	});
});

async function mine(sku: string, token: string): Promise<SessionHolds> {
	const res = await call<SessionHolds>("GET", `/api/products/${sku}/holds/mine`, { token });
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as SessionHolds;
}
