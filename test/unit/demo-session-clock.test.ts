// When the demo's session ends on the page (src/web/lib/session-clock.ts): counted on the
// page's clock from the sign-in's answer, so a browser clock ahead of the server's does not
// end a session the server still takes.
import { describe, expect, it } from "vitest";
import type { Session } from "../../src/web/api/client.ts";
import { sessionEndsAtMs } from "../../src/web/lib/session-clock.ts";

const SERVER_NOW = Date.UTC(2026, 10, 30, 9, 0, 0);

function session(expiresInSeconds?: number): Session {
	return {
		sessionId: `ses_${crypto.randomUUID().slice(0, 8)}`,
		token: crypto.randomUUID(),
		expiresAt: new Date(SERVER_NOW + 1_200_000).toISOString(),
		...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
	};
}

describe("the demo session's end on the page", () => {
	it("counts the server's seconds left from when the answer arrived, whatever the page's clock says", () => {
		for (const skewMs of [0, 21 * 60_000, -5 * 60_000]) {
			const receivedAtMs = SERVER_NOW + skewMs + 40;
			expect(sessionEndsAtMs(session(1_200), receivedAtMs)).toBe(receivedAtMs + 1_200_000);
		}
	});

	it("is never before the server's end when the clocks agree", () => {
		const receivedAtMs = SERVER_NOW + 250;
		expect(sessionEndsAtMs(session(1_200), receivedAtMs)).toBeGreaterThanOrEqual(
			SERVER_NOW + 1_200_000,
		);
	});

	it("falls back to expiresAt from a server that does not say how long is left", () => {
		expect(sessionEndsAtMs(session(), SERVER_NOW + 21 * 60_000)).toBe(SERVER_NOW + 1_200_000);
	});
});
