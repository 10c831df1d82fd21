// A limiter object forgets its state once nothing is left to remember (src/ratelimit/limiter-object.ts):
// the session limiter is one object per client key per UTC day, so a bucket that stayed stored
// after it refilled would grow the deployment's storage by (addresses × days) for good. A full
// bucket and a log whose hits have left the window are the same as none: the object's alarm,
// set for the moment that is so, deletes its storage. The totals object keeps its tallies.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type RateLimiterObject, TOTALS_NAME } from "../../src/ratelimit/limiter-object.ts";

function limiter(name = `forget-${crypto.randomUUID()}`) {
	return env.LIMITER.get(env.LIMITER.idFromName(name));
}

/** Rows in the object's own tables (not SQLite's or the runtime's). */
function storedRows(state: DurableObjectState): number {
	const tables = state.storage.sql
		.exec<{ name: string }>(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
		)
		.toArray();
	let rows = 0;
	for (const { name } of tables)
		rows += state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n;
	return rows;
}

describe("a limiter object's storage after its window", () => {
	it("a session bucket is deleted by the alarm set for when it is full again, and works afresh after", async () => {
		const stub = limiter();
		for (let i = 0; i < 3; i++) expect((await stub.takeToken(30, 60_000)).ok).toBe(true);
		const before = Date.now();
		await runInDurableObject(stub, async (_: RateLimiterObject, state) => {
			expect(storedRows(state)).toBeGreaterThan(0);
			// Three tokens at 30 a minute refill in 6 s: the alarm is set then, not a day later.
			const at = await state.storage.getAlarm();
			expect(at).not.toBeNull();
			expect(at as number).toBeGreaterThan(before);
			expect(at as number).toBeLessThanOrEqual(before + 6_000 + 1);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		await runInDurableObject(stub, async (_: RateLimiterObject, state) => {
			expect(storedRows(state)).toBe(0);
			expect(await state.storage.getAlarm()).toBeNull();
		});
		// The same object, its memory intact, takes again from a full bucket.
		for (let i = 0; i < 30; i++) expect((await stub.takeToken(30, 60_000)).ok, `#${i}`).toBe(true);
		expect((await stub.takeToken(30, 60_000)).ok).toBe(false);
	});

	it("a reset limiter's log is deleted once its hit leaves the window", async () => {
		const stub = limiter();
		expect((await stub.take(1, 60_000)).ok).toBe(true);
		expect((await stub.take(1, 60_000)).ok).toBe(false);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		await runInDurableObject(stub, (_: RateLimiterObject, state) => {
			expect(storedRows(state)).toBe(0);
		});
		expect((await stub.take(1, 60_000)).ok).toBe(true);
	});

	it("the totals object keeps its tallies", async () => {
		const stub = limiter(`${TOTALS_NAME}-${crypto.randomUUID()}`);
		await stub.record({ "rate_limited.reads": 2 });
		expect((await stub.takeToken(30, 60_000)).ok).toBe(true);
		await runDurableObjectAlarm(stub);
		expect(await stub.totals()).toEqual({ "rate_limited.reads": 2 });
	});

	// RATE_LIMIT_CLOCK=request (tests): the decisions' time is the request's, the alarm's the
	// runtime's. A real window passing (a slow machine) while the request clock moves less must not
	// forget what the request clock still counts: the alarm fired here stands for that real window.
	it("under the request clock a full session bucket is not forgotten by the runtime's alarm", async () => {
		const stub = limiter();
		const t = 1_900_000_000_000;
		for (let i = 0; i < 3; i++) expect((await stub.takeToken(3, 60_000, t)).ok).toBe(true);
		expect((await stub.takeToken(3, 60_000, t)).ok).toBe(false);
		await runDurableObjectAlarm(stub);
		// A millisecond later by the request clock: still empty (a token is 20 s away).
		expect((await stub.takeToken(3, 60_000, t + 1)).ok).toBe(false);
		// Refilled by the request clock, as ever.
		expect((await stub.takeToken(3, 60_000, t + 20_001)).ok).toBe(true);
	});

	it("under the request clock a reset log keeps its hit until the request clock leaves the window", async () => {
		const stub = limiter();
		const t = 1_900_000_000_000;
		expect((await stub.take(1, 60_000, t)).ok).toBe(true);
		await runDurableObjectAlarm(stub);
		expect((await stub.take(1, 60_000, t + 1_000)).ok).toBe(false);
		expect((await stub.take(1, 60_000, t + 60_001)).ok).toBe(true);
	});

	it("a request-clock write cancels the forget-alarm an earlier write set", async () => {
		const stub = limiter();
		expect((await stub.take(5, 60_000)).ok).toBe(true);
		expect((await stub.take(5, 60_000, Date.now())).ok).toBe(true);
		await runInDurableObject(stub, async (_: RateLimiterObject, state) => {
			expect(await state.storage.getAlarm()).toBeNull();
		});
	});
});
