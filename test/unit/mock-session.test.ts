// The demo's in-browser mock answers POST /api/sessions with the server's session answer
// (docs/api.md, "Sessions"), `issuedAt` included, so the page's tabs judge a newer token by it
// as they do against the Worker (src/web/storefront/session-share.ts `newerToken`,
// docs/decisions/184-review-35s-findings.md).

import { describe, expect, it } from "vitest";
import { TURNSTILE_DUMMY_TOKEN } from "../../src/shared/turnstile.ts";
import { ApiClient } from "../../src/web/api/client.ts";
import { MockBackend } from "../../src/web/mock/backend.ts";

describe("the mock's session answer", () => {
	it("carries issuedAt, when the mock issued the token, before its expiresAt", async () => {
		const api = new ApiClient(new MockBackend());
		const before = Date.now();
		const session = await api.createSession(TURNSTILE_DUMMY_TOKEN);
		const after = Date.now();
		if (!session.ok) throw new Error(session.message);
		const issued = Date.parse(session.data.issuedAt ?? "");
		expect(issued).toBeGreaterThanOrEqual(before);
		expect(issued).toBeLessThanOrEqual(after);
		expect(new Date(issued).toISOString()).toBe(session.data.issuedAt);
		expect(Date.parse(session.data.expiresAt)).toBeGreaterThan(issued);
	});
});
