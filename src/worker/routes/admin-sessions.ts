// POST /api/admin/sessions (operator): buyer sessions for load tests and the
// drop simulator (cli/drop/setup.ts). They are minted by the same code as
// POST /api/sessions (src/worker/sessions.ts mintSession): same stored shape, same
// TTL, same limits once in use, but no grace after their end and never renewed by a
// buyer's human check (docs/decisions/092-review-11-leftovers.md). What they skip is the door: Turnstile and the
// per-IP session-creation limit (middleware/ratelimit.ts matches only
// /api/sessions), because the operator vouches for them with ADMIN_TOKEN.
// The request itself is an operator write like any other (per-IP writes).

import { Hono } from "hono";
import { z } from "zod";
import { type IssuedSession, MAX_SESSIONS_PER_REQUEST } from "../../shared/sessions.ts";
import { parseBody } from "../body.ts";
import { clientKeyOf } from "../client-ip.ts";
import { type AppEnv, ok } from "../http.ts";
import { mintSession } from "../sessions.ts";

/** KV writes in flight at once while minting a batch. */
const KV_WRITES_IN_FLIGHT = 50;

// Unknown fields are ignored, as everywhere in the API (docs/api.md, status table): a body
// without a valid `count` ("cout" misspelt) is still a 400 naming `count`, as count has no
// default (docs/decisions/056-optional-sessions-and-unknown-fields.md).
const IssueSessions = z.object({
	count: z.number().int().min(1).max(MAX_SESSIONS_PER_REQUEST),
});

export const adminSessions = new Hono<AppEnv>();

adminSessions.post("/", async (c) => {
	const { count } = await parseBody(c, IssueSessions);
	const ip = clientKeyOf(c);
	const issued: IssuedSession[] = [];
	for (let start = 0; start < count; start += KV_WRITES_IN_FLIGHT) {
		const batch = Math.min(KV_WRITES_IN_FLIGHT, count - start);
		const minted = await Promise.all(
			Array.from({ length: batch }, () =>
				mintSession(c.env, c.get("config"), ip, { loadTest: true }),
			),
		);
		for (const m of minted) issued.push(m.issued);
	}
	return ok(c, { sessions: issued }, 201);
});
