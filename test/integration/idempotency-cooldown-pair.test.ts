// One Idempotency-Key, two different answers, both as the contract says (docs/api.md,
// Reservations, "How long an outcome is replayed"): a 429 `hold_cooldown` is never stored for
// its key, so the same key sent again is decided afresh; when the last units went to another
// session in between, that fresh decision is 409 `sold_out`, which is stored. The drop
// simulator's duplicate pairs meet exactly this (cli/drop/duplicates.ts): its two copies of a
// key go out at once, and another buyer's attempt may be decided between them — in the same
// call, in the same batch of calls, or in the next batch. Real time for the hold's lapse (1 s):
// the cool-down (15 s) outlasts every step after it.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InventoryObject } from "../../src/inventory/object.ts";
import type { ReserveAnswer, ReserveRequest, ReserveResult } from "../../src/inventory/rpc.ts";
import { sleep } from "../../src/shared/sleep.ts";
import type { Reservation } from "../../src/shared/types.ts";
import { call, createProduct, newSession } from "./helpers.ts";

const HOLD_SECONDS = 1;
/** Stock and per-buyer limit alike: one hold of this many units takes the SKU's every unit. */
const UNITS = 2;

const stubOf = (sku: string) => env.INVENTORY.get(env.INVENTORY.idFromName(sku));

function reserve(sku: string, token: string, key: string | null) {
	return call<Reservation>("POST", "/api/reservations", {
		token,
		body: { sku, quantity: UNITS },
		...(key === null ? {} : { headers: { "idempotency-key": key } }),
	});
}

const attempt = (sessionId: string, key: string | null = null): ReserveRequest => ({
	id: `rsv_${crypto.randomUUID()}`,
	sessionId,
	quantity: UNITS,
	idempotencyKey: key,
});

/** Submits every call in one synchronous turn of the object: one batch (group-commit.test.ts). */
async function together(sku: string, calls: ReserveRequest[][]): Promise<ReserveAnswer[]> {
	return runInDurableObject(stubOf(sku), (instance: InventoryObject) =>
		Promise.all(calls.map((attempts) => instance.reserveWithMeta(attempts))),
	);
}

/** Until 1 ms past the hold's expiresAt: from then its session is cooling down on the SKU. */
async function pastExpiry(expiresAt: string): Promise<void> {
	await sleep(Math.max(0, Date.parse(expiresAt) + 1 - Date.now()));
}

/** A SKU whose session `cooling` held every unit and let the hold lapse, straight on the object. */
async function coolingSku(cooling: string): Promise<string> {
	const sku = await createProduct({
		totalStock: UNITS,
		holdSeconds: HOLD_SECONDS,
		perUserLimit: UNITS,
	});
	const [held] = await stubOf(sku).reserve([attempt(cooling)]);
	if (held?.ok !== true) throw new Error(`the first hold was refused: ${JSON.stringify(held)}`);
	await pastExpiry(held.reservation.expiresAt);
	return sku;
}

const codeOf = (r: ReserveResult | undefined) => (r === undefined || r.ok ? null : r.code);

describe.concurrent("a never-stored 429 hold_cooldown beside a stored answer", {
	timeout: 60_000,
}, () => {
	it("over HTTP: the key's 429 hold_cooldown, the last units to another session, then 409 sold_out, and that one is stored", async () => {
		const sku = await createProduct({
			totalStock: UNITS,
			holdSeconds: HOLD_SECONDS,
			perUserLimit: UNITS,
		});
		const [a, b] = await Promise.all([newSession(), newSession()]);
		const first = await reserve(sku, a, null);
		expect(first.status, JSON.stringify(first.body)).toBe(201);
		await pastExpiry(first.body.data?.expiresAt ?? "");

		const key = crypto.randomUUID();
		const cooled = await reserve(sku, a, key);
		expect(cooled.status, JSON.stringify(cooled.body)).toBe(429);
		expect(cooled.body.error?.code).toBe("hold_cooldown");

		const taken = await reserve(sku, b, null);
		expect(taken.status, JSON.stringify(taken.body)).toBe(201);

		const again = await reserve(sku, a, key);
		expect(again.status, JSON.stringify(again.body)).toBe(409);
		expect(again.body.error?.code).toBe("sold_out");

		// Stored: once the units are back, a fresh decision would be the cool-down again (asked
		// after sold_out), but the key replays its sold_out.
		const released = await call("DELETE", `/api/reservations/${taken.body.data?.reservationId}`, {
			token: b,
		});
		expect(released.status, JSON.stringify(released.body)).toBe(200);
		const replayed = await reserve(sku, a, key);
		expect(replayed.status, JSON.stringify(replayed.body)).toBe(409);
		expect(replayed.body.error?.code).toBe("sold_out");
		expect((await reserve(sku, a, crypto.randomUUID())).body.error?.code).toBe("hold_cooldown");
	});

	it("in one call: the two copies of the key around another session's attempt answer hold_cooldown, then sold_out", async () => {
		const cooling = `cooling-${crypto.randomUUID()}`;
		const sku = await coolingSku(cooling);
		const key = crypto.randomUUID();
		const results = await stubOf(sku).reserve([
			attempt(cooling, key),
			attempt(`other-${crypto.randomUUID()}`),
			attempt(cooling, key),
		]);
		expect(results.map(codeOf)).toEqual(["hold_cooldown", null, "sold_out"]);
		expect(results[1]?.ok).toBe(true);
	});

	it("in one batch of three calls: the same, in arrival order; with nothing between them both copies cool", async () => {
		const cooling = `cooling-${crypto.randomUUID()}`;
		const sku = await coolingSku(cooling);
		const alone = crypto.randomUUID();
		const same = await together(sku, [[attempt(cooling, alone)], [attempt(cooling, alone)]]);
		expect(same.map((a) => codeOf(a.results[0]))).toEqual(["hold_cooldown", "hold_cooldown"]);

		const key = crypto.randomUUID();
		const answers = await together(sku, [
			[attempt(cooling, key)],
			[attempt(`other-${crypto.randomUUID()}`)],
			[attempt(cooling, key)],
		]);
		expect(answers.map((a) => codeOf(a.results[0]))).toEqual(["hold_cooldown", null, "sold_out"]);
		// The first copy's cool-down was not the key's outcome; the second's sold_out is.
		const [later] = await stubOf(sku).reserve([attempt(cooling, key)]);
		expect(later).toEqual({ ok: false, code: "sold_out", replayed: true });
		const [cooledKey] = await stubOf(sku).reserve([attempt(cooling, alone)]);
		expect(codeOf(cooledKey)).toBe("sold_out");
		expect(cooledKey).not.toHaveProperty("replayed");
	});
});
