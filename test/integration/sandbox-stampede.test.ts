// docs/demo.md, step 3: a presenter fires 200 concurrent attempts at their own
// sandbox with the default limits on. They must see real outcomes (exactly the
// 100 units held, the rest sold out), not a wall of 429s; a stranger hammering
// the same sandbox is still limited.
import { describe, expect, it } from "vitest";
import { newSession } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

describe("stampede on one's own sandbox with RATE_LIMITS=on", () => {
	it("answers all 200 attempts with their real outcome; others stay limited", async () => {
		const vars = { RATE_LIMITS: "on" };
		const token = await newSession();
		const ip = freshIp();
		const created = await limited<{ sku: string }>("POST", "/api/demo/sandbox", {
			ip,
			token,
			vars,
		});
		expect([200, 201]).toContain(created.status);
		const sku = created.body.data?.sku ?? "";
		expect(sku).toMatch(/^SBX-/);
		const statuses = await Promise.all(
			Array.from(
				{ length: 200 },
				async () =>
					(await limited("POST", "/api/reservations", { ip, token, vars, body: { sku } })).status,
			),
		);
		expect(statuses.filter((s) => s === 201)).toHaveLength(100);
		expect(statuses.filter((s) => s === 409)).toHaveLength(100);

		// A stranger without a prior read bursting at the same SKU meets the limits. The SKU is
		// sold out now, so unkeyed attempts are answered "sold out" by the edge before any limit
		// (docs/hot-path/how-it-works.md); keyed ones reach the object, where the stranger's window applies.
		const stranger = await newSession();
		const theirs = await Promise.all(
			Array.from(
				{ length: 60 },
				async (_, i) =>
					(
						await limited("POST", "/api/reservations", {
							ip: freshIp(),
							token: stranger,
							vars,
							body: { sku },
							headers: { "idempotency-key": `stranger-${i}` },
						})
					).status,
			),
		);
		expect(theirs).toContain(429);
		const unkeyed = await limited<never>("POST", "/api/reservations", {
			ip: freshIp(),
			token: stranger,
			vars,
			body: { sku },
		});
		expect([409, 429]).toContain(unkeyed.status);
	});
});
