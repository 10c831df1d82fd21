// When a buyer session ends, on this page's clock (the demo's and the storefront's). The server ends it at `expiresAt` by its
// own clock; a browser clock ahead of the server's would end it early on the page (at 20
// minutes ahead, at once), throwing away a session the server still takes. The sign-in's answer
// says how long the session has left (`expiresInSeconds`, docs/api.md "Sessions", counted when
// the server answered, rounded up), so the page counts that from when the answer arrived: the
// page's end is never before the server's (later by the answer's way back and the rounding, at
// most a second or so), and a request in between meets the server's 401, which ends it too
// (demo/useDemo.ts `problem`). docs/decisions/079-console-fixes-of-the-eighth-review.md; the
// storefront's since docs/decisions/086-a-sessions-end-and-what-it-owns.md.
// No DOM: test/unit/demo-session-clock.test.ts.

import type { Session } from "../api/client.ts";

/** The page-clock time (epoch ms) at which `session`, answered at `receivedAtMs`, ends. */
export function sessionEndsAtMs(session: Session, receivedAtMs: number): number {
	const left = session.expiresInSeconds;
	if (typeof left === "number" && Number.isFinite(left) && left >= 0)
		return receivedAtMs + left * 1000;
	// A server that does not say: its `expiresAt`, as before (only right when the clocks agree).
	return Date.parse(session.expiresAt);
}
