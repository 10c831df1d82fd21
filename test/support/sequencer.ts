// The suite's file order (vitest.config.ts `sequence.sequencer`): longest first, across
// all three projects, so the files that mostly wait (holds expiring, a soak, a timed
// outage) start at once and the many short files fill the cores around them; the run
// ends on short files instead of on one long file started late. Vitest's own order
// runs the projects one after another and, on a fresh clone (no timings cached yet),
// larger files first, which started the soak near the end.
//
// A file's expected time: its entry in EXPECTED_SECONDS (measured alone, docs/testing.md
// "Suite time"), else the duration vitest cached from an earlier run on this machine,
// else UNKNOWN_SECONDS. Only the order depends on these numbers, never a verdict.

import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Files of 9 s or more, in seconds measured alone on the 2-core machine (docs/testing.md). */
export const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
	"test/integration/shards-crowd.test.ts": 45,
	"test/node/soak.test.ts": 48,
	// Mostly waiting out workerd's 15 s idle close of a kept-alive socket.
	"test/node/kept-alive-sockets.test.ts": 34,
	"test/node/drop.test.ts": 36,
	"test/node/drop-fairness.test.ts": 50,
	"test/e2e/demo.test.ts": 40,
	// Three eventual stampedes, one with 198 attempts cut, and a reset.
	"test/e2e/demo-honesty.test.ts": 36,
	"test/node/drop-shards.test.ts": 50,
	"test/node/d1-outage.test.ts": 29,
	// 101 drops created for the picker past one catalogue page.
	"test/e2e/console.test.ts": 25,
	"test/e2e/console-create.test.ts": 13,
	// A HUF drop edited four times, then one created through the form.
	"test/e2e/console-price-hundredths.test.ts": 15,
	// Its own server with rate limits on, for the reset's one-a-minute 429.
	"test/e2e/console-reset-once.test.ts": 20,
	// A start 6 s after the operator's change, then the turn.
	"test/e2e/storefront-pre-queue-turn.test.ts": 24,
	// Two rooms' starts 5 s ahead, each passing while a cut is held.
	"test/integration/split-cut-room-start.test.ts": 11,
	// A hold left to end during a kill -9 outage, confirmed after the restart (decision 091).
	"test/e2e/storefront-outage.test.ts": 52,
	"test/e2e/storefront-lost-reserve.test.ts": 30,
	// A waiting room's 10 s turn left to run out, a decline, two pages' focus rings.
	"test/e2e/storefront-a11y.test.ts": 30,
	"test/e2e/console-outage.test.ts": 17,
	// Five drops edited or created through the forms (one changed under an open form), three refusals.
	"test/e2e/console-edit.test.ts": 26,
	// 207 PATCHes for a trail past one page, a split SKU's reserves; then paging in Chromium.
	"test/e2e/console-trail.test.ts": 16,
	// 201 PATCHes for a trail past one page; two reads held by a route while another drop is picked.
	"test/e2e/console-races.test.ts": 12,
	// Two consoles (desktop and phone) signed in, a create and a rename seen by the other.
	"test/e2e/console-picker.test.ts": 15,
	// A kill -9 and a restart of the product under the open console; a reset left to time out (15 s).
	"test/e2e/console-reset-lost.test.ts": 68,
	// A kill -9 and a restart of the product under the open demo.
	"test/e2e/demo-refusals.test.ts": 16,
	// A mock run to the guardrail's trip under the page's clock, and three steps at two sizes.
	"test/e2e/demo-announcements.test.ts": 20,
	// Four mock runs (threshold, trip, two resets) and a live one with a failed config read.
	"test/e2e/demo-said-once.test.ts": 16,
	// 200 PATCHes for a trail past one page; a refused token, an edit refusal, a reset.
	"test/e2e/console-said-once.test.ts": 15,
	// A refused Reserve, a declined card and a release, each outcome's announcements recorded.
	"test/e2e/storefront-said-once.test.ts": 10,
	"test/node/drop-limits.test.ts": 18,
	// Three pages walked under their CSP, each probed; a framing page served from another port.
	"test/e2e/security-headers.test.ts": 30,
	// An `npm start` and an `npm run dev` (wrangler dev and the pages' watcher) started and read.
	"test/node/security-headers.test.ts": 29,
	// A paced 17 s burst with 6 s holds, the last acts and the expiry wait (decision 115).
	"test/node/drop-flow.test.ts": 40,
	"test/e2e/storefront-operator-changes.test.ts": 20,
	// A refused feed under a paused clock; a reset seen by the read every 10 s.
	"test/e2e/storefront-feed-refused.test.ts": 36,
	// The server's own refusal (a bound of 1): a read every 10 s seen, then a reconnect after a leave.
	"test/e2e/storefront-feed-bound.test.ts": 30,
	// One address's one place on the feed: a 429 met by the second page, which reads instead.
	"test/e2e/storefront-feed-address.test.ts": 12,
	// Two waits past a 4-s idle bound, then one past a read in the feed's place (13 s).
	"test/e2e/storefront-feed-idle.test.ts": 35,
	// The answer wait of a socket gone silent, then a reconnect.
	"test/e2e/storefront-feed-silent.test.ts": 25,
	"test/e2e/storefront-states.test.ts": 15,
	"test/e2e/storefront-hold-ended.test.ts": 19,
	// Eight pairs of tabs of one buyer (a duplicated tab), each told by the other within seconds.
	"test/e2e/storefront-two-tabs.test.ts": 31,
	// Two buyers' pages sharing a session, six times, each waiting a second to show it heard
	// nothing; one lets a 2-s hold expire first.
	"test/e2e/storefront-session-elsewhere.test.ts": 35,
	// A 2-s hold left to expire, then the 15-s cool-down counted down to the end.
	"test/e2e/storefront-cooldown.test.ts": 25,
	"test/e2e/storefront.test.ts": 15,
	"test/e2e/storefront-waiting-room.test.ts": 82,
	"test/e2e/storefront-room-full.test.ts": 25,
	"test/e2e/storefront-room-limits.test.ts": 17,
	"test/node/checkout-restart.test.ts": 12,
	"test/node/local-host.test.ts": 14,
	// An `npm run dev` (wrangler dev and the pages' watcher) started, a few writes under foreign names.
	"test/node/local-host-dev.test.ts": 28,
	// Starts on one state (two refused), kill -9 of the group and of Node alone, a locked D1.
	"test/node/state-lock.test.ts": 24,
	"test/integration/shards.test.ts": 13,
	"test/integration/room-shards.test.ts": 13,
	"test/integration/room-shards-limit.test.ts": 11,
	"test/integration/waiting-room.test.ts": 11,
	"test/integration/checkout-saga.test.ts": 10,
	// D1 calls waited out to their 5 s deadline twice, then a late answer 4 s after its ask.
	"test/integration/d1-slow.test.ts": 15,
	// One outbox batch waited out to its 5 s deadline.
	"test/integration/outbox-slow-d1.test.ts": 6,
	// Three cases, each waiting out its request's ledger flush (one to two 2 s intervals).
	"test/integration/cost-late-session.test.ts": 10,
	"test/e2e/storefront-checkout.test.ts": 9,
	// Two buyer sessions (15 s on this server) waited out in real time.
	"test/e2e/storefront-session.test.ts": 45,
	// A drop that starts past one 20 s session, waited out in real time (39 s alone), and a
	// refused renewal's window waited out (72 s both, with other work on the machine).
	"test/e2e/storefront-session-renewal.test.ts": 125,
	// The same drop waited out in a hidden page, and a renewal that waits there for a click
	// (58 s with other work on the machine).
	"test/e2e/storefront-hidden-renewal.test.ts": 80,
	// Two 20 s sessions renewed in real time, in two and three tabs (44 s with other work on the machine).
	"test/e2e/storefront-renewed-token.test.ts": 45,
	// Two or three ticket reads waited out in a hidden page (15 s ±25 % apart), then the turn
	// (31–34 s with other work on the machine).
	"test/e2e/storefront-hidden-turn.test.ts": 34,
	// A phone's store that cannot notify, then a turn waited out in a hidden page (15 s ±25 %);
	// 13 s of tests alone.
	"test/e2e/storefront-notify-unsupported.test.ts": 20,
	"test/node/verify-queue.test.ts": 22,
	// One server start, a kill -9 and the restart, then verify-queue; 9–11 s alone.
	"test/node/room-start-crash.test.ts": 11,
	// Two drops and a fairness run, each until the server's kill -9 and the 5 s the run takes
	// to call it gone.
	"test/node/drop-crash.test.ts": 55,
	// Two server starts (64 shards created), a kill -9 and the restart's alarm; 18–23 s alone.
	"test/node/crash-room-shards.test.ts": 22,
	// Three server starts (32 shards), a kill -9 mid-reset, the restart's alarm and a sell-out;
	// 15–22 s alone (a round that misses the cut adds as much again).
	"test/node/split-reset-crash.test.ts": 22,
	// Three server starts (32 shards), a kill -9 mid-PATCH and a reserve on every shard behind; 14–19 s alone.
	"test/node/split-settings-after-restart.test.ts": 19,
};
/** A file with no entry and no cached time: short, like most of the suite. */
const UNKNOWN_SECONDS = 2;

export default class LongestFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const expected = (spec: TestSpecification): number => {
			const file = relative(spec.project.config.root, spec.moduleId).replaceAll("\\", "/");
			const listed = EXPECTED_SECONDS[file];
			if (listed !== undefined) return listed;
			const cached = this.ctx.cache.getTestSpecificationResult(spec)?.duration;
			return cached === undefined ? UNKNOWN_SECONDS : cached / 1000;
		};
		const seconds = new Map(files.map((spec) => [spec, expected(spec)]));
		return [...files].sort((a, b) => (seconds.get(b) ?? 0) - (seconds.get(a) ?? 0));
	}
}
