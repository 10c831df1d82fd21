// A renewal spends no new-session budget (docs/rate-limits.md, "Session creation";
// docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md): pages that renew ahead
// of their session's end, behind one address that just made its sessions, are not refused 429,
// while a new session past RATE_LIMIT_SESSIONS still is, and a renewal naming no session counts
// as a new one.

import { describe, expect, it } from "vitest";
import { DEBUG } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

describe("renewals and the new-session budget", () => {
	it("an address whose budget is spent still renews its sessions; a new session is refused", async () => {
		const ip = freshIp();
		const vars = { RATE_LIMIT_SESSIONS: "2", RATE_LIMIT_WRITES: "100" };
		const create = (body: Record<string, string>) =>
			limited<{ token: string; sessionId: string; renewed?: boolean }>("POST", "/api/sessions", {
				ip,
				vars,
				body: { turnstileToken: DEBUG, ...body },
			});
		const first = await create({});
		const second = await create({});
		expect([first.status, second.status]).toEqual([201, 201]);
		const spent = await create({});
		expect(spent.status).toBe(429);
		expect(spent.body.error?.message).toContain("new sessions per 60 s");

		for (const s of [first, second]) {
			const token = (s.body.data as { token: string }).token;
			const renewed = await create({ renewToken: token });
			expect(renewed.status, JSON.stringify(renewed.body)).toBe(201);
			expect(renewed.body.data).toMatchObject({
				sessionId: (s.body.data as { sessionId: string }).sessionId,
				renewed: true,
			});
		}
		// A renewToken that names no session makes a new one: the budget applies.
		const unknown = await create({ renewToken: "rg_unknown" });
		expect(unknown.status).toBe(429);
	});
});
