// The demo sandbox's own guardrail (shared/demo-guardrail.ts): a session sets
// its threshold from the /demo page, every later response of that session is
// judged by it, the presenter can trip it by hand, bad input changes nothing,
// and every other session keeps the server's GUARDRAIL_VIRTUAL_USD unchanged.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_GUARDRAIL_MAX_USD, DEMO_GUARDRAIL_MIN_USD } from "../../src/shared/demo-guardrail.ts";
import type { Guardrail, Product } from "../../src/shared/types.ts";
import type { CostLedgerGroupObject } from "../../src/worker/cost/ledger-group-object.ts";
import { ledgerGroupName, ledgerGroupOf } from "../../src/worker/cost/ledger-groups.ts";
import { costOf, guardrailOf } from "./cost-support.ts";
import { call, DEBUG, newSession } from "./helpers.ts";

/** wrangler.jsonc's GUARDRAIL_VIRTUAL_USD, which the workers project runs with. */
const SERVER_THRESHOLD_USD = 0.05;
/** A few dozen holds' worth. */
const DEMO_THRESHOLD_USD = 0.0003;

async function session(): Promise<{ token: string; sessionId: string }> {
	const res = await call<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		body: { turnstileToken: DEBUG },
	});
	if (res.status !== 201 || !res.body.data) throw new Error(`session failed: ${res.status}`);
	return res.body.data;
}

describe("the demo guardrail", () => {
	it("judges the session by its own threshold from the moment it is set; allocations go on", async () => {
		const token = await newSession();
		const box = await call<Product>("POST", "/api/demo/sandbox", { token });
		const sku = box.body.data?.sku ?? "";
		// Before: the server's threshold, shape unchanged.
		expect(guardrailOf(box)).toEqual({ thresholdUsd: SERVER_THRESHOLD_USD, tripped: false });

		const set = await call<Guardrail>("POST", "/api/demo/guardrail", {
			token,
			body: { thresholdUsd: DEMO_THRESHOLD_USD },
		});
		expect(set.status).toBe(200);
		const armed = {
			thresholdUsd: DEMO_THRESHOLD_USD,
			tripped: false,
			source: "demo",
			manual: false,
		};
		expect(set.body.data).toEqual(armed);
		expect(guardrailOf(set)).toEqual(armed);

		let crossedAt: number | null = null;
		let i = 0;
		for (; i < 200 && (crossedAt === null || i < crossedAt + 3); i++) {
			const res = await call("POST", "/api/reservations", { token, body: { sku } });
			expect([201, 409]).toContain(res.status); // the guardrail refuses nothing
			const total = costOf(res).virtualUsd;
			if (total > DEMO_THRESHOLD_USD && crossedAt === null) crossedAt = i;
			expect(guardrailOf(res)).toEqual({ ...armed, tripped: total > DEMO_THRESHOLD_USD });
		}
		expect(crossedAt).not.toBeNull();
		expect(crossedAt).toBeGreaterThan(3);

		// Another session is judged by the server's threshold, as before.
		const other = await newSession();
		const read = await call("GET", `/api/products/${sku}/availability`, { token: other });
		expect(guardrailOf(read)).toEqual({ thresholdUsd: SERVER_THRESHOLD_USD, tripped: false });
	});

	it("trips at once by hand, stays tripped, and a new threshold re-arms it", async () => {
		const { token, sessionId } = await session();
		const before = await call<Guardrail>("GET", "/api/demo/guardrail", { token });
		expect(before.body.data).toEqual({ thresholdUsd: SERVER_THRESHOLD_USD, tripped: false });

		const tripped = await call<Guardrail>("POST", "/api/demo/guardrail/trip", { token });
		expect(tripped.status).toBe(200);
		// No threshold was set: tripping starts from the demo's default one.
		expect(tripped.body.data).toMatchObject({ tripped: true, source: "demo", manual: true });
		expect(guardrailOf(tripped)).toEqual(tripped.body.data);
		const later = await call("GET", "/api/demo/guardrail", { token });
		expect(guardrailOf(later)).toMatchObject({ tripped: true, manual: true });

		const rearmed = await call<Guardrail>("POST", "/api/demo/guardrail", {
			token,
			body: { thresholdUsd: DEMO_GUARDRAIL_MAX_USD },
		});
		expect(rearmed.body.data).toEqual({
			thresholdUsd: DEMO_GUARDRAIL_MAX_USD,
			tripped: false,
			source: "demo",
			manual: false,
		});

		// Stored in the session's ledger group, so another isolate (or a restart) finds it.
		const ns = env.LEDGER_GROUP as NonNullable<typeof env.LEDGER_GROUP>;
		const ledger = ns.get(ns.idFromName(ledgerGroupName(ledgerGroupOf(sessionId))));
		expect((await ledger.read(sessionId)).guardrail).toMatchObject({
			thresholdUsd: DEMO_GUARDRAIL_MAX_USD,
			manual: false,
		});
		await runInDurableObject(ledger, (_: CostLedgerGroupObject, state) => {
			const row = state.storage.sql
				.exec<{ threshold_usd: number }>(
					"SELECT threshold_usd FROM guardrail WHERE session_id = ?",
					sessionId,
				)
				.one();
			expect(row.threshold_usd).toBe(DEMO_GUARDRAIL_MAX_USD);
		});
	});

	it("refuses a threshold out of bounds or of the wrong type with 400 naming the field, and changes nothing", async () => {
		const token = await newSession();
		await call("POST", "/api/demo/guardrail", { token, body: { thresholdUsd: 0.001 } });
		for (const body of [
			{},
			{ thresholdUsd: "0.001" },
			{ thresholdUsd: 0 },
			{ thresholdUsd: -1 },
			{ thresholdUsd: DEMO_GUARDRAIL_MIN_USD / 2 },
			{ thresholdUsd: DEMO_GUARDRAIL_MAX_USD * 2 },
			{ thresholdUsd: null },
		]) {
			const res = await call("POST", "/api/demo/guardrail", { token, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.error?.code).toBe("invalid_request");
			expect(res.body.error?.message).toMatch(/thresholdUsd/);
		}
		const now = await call<Guardrail>("GET", "/api/demo/guardrail", { token });
		expect(now.body.data).toMatchObject({ thresholdUsd: 0.001, source: "demo" });
	});

	it("needs a session", async () => {
		for (const [method, path] of [
			["GET", "/api/demo/guardrail"],
			["POST", "/api/demo/guardrail"],
			["POST", "/api/demo/guardrail/trip"],
		] as const) {
			const res = await call(
				method,
				path,
				method === "POST" ? { body: { thresholdUsd: 0.001 } } : {},
			);
			expect(res.status).toBe(401);
		}
	});
});
