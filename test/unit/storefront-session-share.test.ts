// The newest token of a buyer session passed between its tabs (src/web/storefront/session-share.ts,
// docs/decisions/166-a-renewed-sessions-old-token-ends.md): a tab takes a token another tab told
// only for its own session and only when it is newer; it answers asks for its own session only.

import { describe, expect, it } from "vitest";
import {
	asked,
	asksFor,
	type BuyerSession,
	newerToken,
	told,
} from "../../src/web/storefront/session-share.ts";

const mine: BuyerSession = {
	sessionId: "s-1",
	token: "a".repeat(64),
	expiresAt: "2026-12-01T06:00:00.000Z",
	endsAtMs: 1_000_000,
};
const renewed: BuyerSession = { ...mine, token: "b".repeat(64), endsAtMs: 2_200_000 };

describe("session share", () => {
	it("takes a newer token of the same session", () => {
		expect(newerToken(told(renewed), mine)).toEqual(renewed);
		// A session this tab had forgotten on a 401 still ends earlier than the renewal.
		expect(newerToken(told(renewed), { ...mine, endsAtMs: 900_000 })).toEqual(renewed);
	});

	it("ignores its own token, an older one, another session's, and a tab with no session", () => {
		expect(newerToken(told(mine), mine)).toBeNull();
		expect(newerToken(told(mine), renewed)).toBeNull();
		expect(newerToken(told({ ...renewed, sessionId: "s-2" }), mine)).toBeNull();
		expect(newerToken(told(renewed), null)).toBeNull();
		const { endsAtMs: _, ...withoutEnd } = renewed;
		expect(newerToken(told(withoutEnd), mine)).toBeNull();
	});

	it("ignores malformed messages", () => {
		for (const v of [
			null,
			"s-1",
			{},
			{ kind: "session" },
			{ kind: "session", session: { sessionId: "s-1" } },
			{ kind: "ask", session: renewed },
			asked("s-1"),
		])
			expect(newerToken(v, mine)).toBeNull();
	});

	it("answers an ask for its own session only", () => {
		expect(asksFor(asked("s-1"), mine)).toBe(true);
		expect(asksFor(asked("s-2"), mine)).toBe(false);
		expect(asksFor(asked("s-1"), null)).toBe(false);
		expect(asksFor(told(mine), mine)).toBe(false);
		expect(asksFor({ kind: "ask" }, mine)).toBe(false);
	});
});
