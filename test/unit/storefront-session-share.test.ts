// The newest token of a buyer session passed between its tabs (src/web/storefront/session-share.ts,
// docs/decisions/166-a-renewed-sessions-old-token-ends.md): a tab takes a token another tab told
// only for its own session and only when it is newer; it answers asks for its own session only.

import { describe, expect, it } from "vitest";
import { ApiClient } from "../../src/web/api/client.ts";
import type { Transport } from "../../src/web/api/transport.ts";
import {
	asked,
	asksFor,
	type BuyerSession,
	lapsed,
	newerToken,
	told,
} from "../../src/web/storefront/session-share.ts";

const mine: BuyerSession = {
	sessionId: "s-1",
	token: "a".repeat(64),
	expiresAt: "2026-12-01T06:00:00.000Z",
	endsAtMs: 1_000_000,
};
// A renewal's token ends later than the one it replaced, by the server's word too.
const renewed: BuyerSession = {
	...mine,
	token: "b".repeat(64),
	expiresAt: "2026-12-01T06:20:00.000Z",
	endsAtMs: 2_200_000,
};

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

	it("judges newer by the server's end, not by the page's, which a 401 sets to that moment", () => {
		// This tab lapsed on a 401 (its end in the page is now); another tab that missed the last
		// renewal tells the token that renewal replaced: its end in the page is later than now, but
		// the server ended it earlier than this tab's token.
		const replaced: BuyerSession = {
			...mine,
			token: "c".repeat(64),
			expiresAt: "2026-12-01T05:40:00.000Z",
			endsAtMs: 5_000_000,
		};
		const lapsedMine = { ...mine, endsAtMs: 3_000_000 };
		expect(newerToken(told(replaced), lapsedMine)).toBeNull();
		// The renewal's newer token is still taken by a lapsed tab.
		expect(newerToken(told(renewed), lapsedMine)).toEqual(renewed);
		// An end the server did not give cannot be judged.
		expect(newerToken(told({ ...renewed, expiresAt: "soon" }), mine)).toBeNull();
	});

	it("judges newer by the server's issue time when both carry it: a renewal after the TTL was lowered ends earlier", () => {
		// Issued with a 20-minute TTL, renewed 100 s later by a server restarted with 60 s.
		const first: BuyerSession = {
			...mine,
			issuedAt: "2026-12-01T05:40:00.000Z",
			expiresAt: "2026-12-01T06:00:00.000Z",
		};
		const shorter: BuyerSession = {
			...renewed,
			issuedAt: "2026-12-01T05:41:40.000Z",
			expiresAt: "2026-12-01T05:42:40.000Z",
		};
		expect(newerToken(told(shorter), first)).toEqual(shorter);
		expect(newerToken(told(first), shorter)).toBeNull();
		// A lapsed tab holding the renewal still refuses the token it replaced.
		expect(
			newerToken(told({ ...first, endsAtMs: 9_000_000 }), { ...shorter, endsAtMs: 1 }),
		).toBeNull();
		// One side without an issue time (an older page or server): the ends decide, as before.
		const { issuedAt: _, ...olderPage } = first;
		expect(newerToken(told(shorter), olderPage)).toBeNull();
		expect(newerToken(told(olderPage), shorter)).toEqual(olderPage);
	});

	it("ends the page's session on a 401 only for the token the refused request carried", () => {
		const now = 1_500_000;
		const live = { ...renewed, endsAtMs: 2_000_000 };
		// The tab took the renewed token while a request with the replaced one was out.
		expect(lapsed(live, mine.token, now)).toBe(live);
		// The refused token is the tab's own: it ends now, kept for its grace...
		expect(lapsed(live, live.token, now)).toEqual({ ...live, endsAtMs: now });
		// ...and an answer that cannot say which token it refused ends the tab's own, as before.
		expect(lapsed(live, undefined, now)).toEqual({ ...live, endsAtMs: now });
		// One already ended in the page is past its grace on the server: forgotten.
		expect(lapsed({ ...live, endsAtMs: 1_000_000 }, live.token, now)).toBeNull();
		expect(lapsed(null, live.token, now)).toBeNull();
	});

	it("keeps a session the page ended when the 401 is of a request sent while it was live", () => {
		const now = 1_500_000;
		const ended = { ...renewed, endsAtMs: 1_400_000 };
		// A waiting room's poll sent before the page's end, answered after it: the end the page
		// already shows, not the grace over (it was forgotten, and its place in line with it).
		expect(lapsed(ended, ended.token, now, true)).toBe(ended);
		// Still live in the page: it ends now, as any 401.
		const live = { ...renewed, endsAtMs: 2_000_000 };
		expect(lapsed(live, live.token, now, true)).toEqual({ ...live, endsAtMs: now });
		// Another token by now: unchanged; a session restored without its end: forgotten as before.
		expect(lapsed(ended, mine.token, now, true)).toBe(ended);
		expect(lapsed({ ...renewed, endsAtMs: undefined }, renewed.token, now, true)).toBeNull();
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

	it("a 401 names the session token the refused request carried, not the one the page holds now", async () => {
		let answer = (_auth: string | undefined) => 401;
		const transport: Transport = {
			kind: "live",
			async send(request) {
				const status = answer(request.headers.authorization);
				const body =
					status === 401
						? { error: { code: "unauthorized", message: "no" } }
						: { error: { code: "not_found", message: "no" } };
				return { status, headers: new Headers(), body };
			},
		};
		const api = new ApiClient(transport);
		api.token = mine.token;
		const pending = api.product("SKU");
		api.token = renewed.token; // the tab took the newer token while the request was out
		const r = await pending;
		expect(r.ok === false && r.refusedToken).toBe(mine.token);
		// Only a 401 of the buyer's session names one: not another refusal, not the admin's token.
		answer = () => 404;
		const other = await api.product("SKU");
		expect(other.ok === false && other.refusedToken).toBeUndefined();
		answer = () => 401;
		api.adminToken = "admin";
		const admin = await api.request("GET", "/api/admin/x", { auth: "admin" });
		expect(admin.ok === false && admin.refusedToken).toBeUndefined();
	});
});
