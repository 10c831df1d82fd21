// The session's waiting-room ticket for one SKU, kept fresh by polling with
// backoff and jitter (queue-poll.ts), read once more when an admission ends, and
// read again soon after the live feed comes back from a drop (the backoff the outage
// built up could otherwise hide a turn until it is over) and after a product message
// (an operator's reset drops every ticket: the page learns it then, not at its next poll).
// A ticket that was there and is no longer (404) was dropped: `dropped` says so until the
// buyer joins again. Joining is the buyer's click; reading the ticket again needs no click. A
// join refused for now with a Retry-After (a full room) is tried again once that wait is over,
// within the bounds of join-retry.ts; past them the page stops and waits for a click. A join
// refused 403 `purchase_limit` says the session is at the limit by the server's count (another
// tab's holds and orders too): `atLimit` keeps that until the buyer checks again or the operator
// changes the SKU (docs/decisions/105-the-rooms-leftovers.md), or another tab of the session
// says units went back and the server's count, less them, is under the limit
// (docs/decisions/111-the-storefronts-leftovers.md). Another tab of the session that joined, reserved, paid or released, and
// this tab coming back into view, make the page read the ticket once (useTabNews.ts,
// docs/decisions/110-two-tabs-of-one-buyer.md): a duplicated tab offered Join after the first
// had joined.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Ticket } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { type JoinRetryRun, joinRetryDelayMs, nextJoinRetryAtMs } from "./join-retry.ts";
import {
	isFinalTicketState,
	nextQueuePollMs,
	OPERATOR_NEWS_READ_SPREAD_MS,
	RECONNECT_READ_SPREAD_MS,
} from "./queue-poll.ts";
import { type LimitCount, limitAfterFreed } from "./tab-news.ts";
import { type TabNewsState, useOnFreed } from "./useTabNews.ts";

/** A join the server refused for now: why, and when (this device's clock) the page joins again. */
export interface JoinRetry {
	message: string;
	atMs: number;
}

/** The page stopped joining by itself (join-retry.ts): the server's last words, the joins it sent. */
export interface JoinStopped {
	message: string;
	tries: number;
}

export function useQueueTicket(
	api: ApiClient,
	sku: string,
	active: boolean,
	startsAtMs: number | null,
	/** How widely the first read after the start is spread (queue-poll.ts preQueueSpreadMs). */
	preQueueSpread: number,
	/** Server clock minus this device's (useProductFeed): when an admission ends here. */
	offsetMs: number,
	/**
	 * A refused join (a notice); `quiet`: a poll's 401, the session's token is over, so the page
	 * asks the session's other tabs for the newer one as a refused action does, without a notice
	 * (docs/decisions/173-review-31s-findings.md).
	 */
	onError: (err: ApiErr, quiet?: true) => void,
	/** How many times the live feed came back after a drop (useProductFeed `reconnects`). */
	reconnects: number,
	/** How many product messages the feed brought (useProductFeed `productMessages`). */
	productMessages: number,
	/** The session's other tabs (useTabNews.ts): their news, and a join here told to them. */
	tabs: Pick<TabNewsState, "news" | "freed" | "freedUnits" | "tell">,
) {
	const [ticket, setTicket] = useState<Ticket | null>(null);
	const [joining, setJoining] = useState(false);
	const [dropped, setDropped] = useState(false);
	// The ticket on screen, for the reads below (a ref: they must not restart its timers); a read's
	// or a join's answer sets it at once, before the page draws it.
	const shown = useRef<Ticket | null>(null);
	shown.current = ticket;
	const failures = useRef(0);
	const reportError = useRef(onError);
	reportError.current = onError;
	// Read when a poll is scheduled, not a reason to reschedule: it moves with every
	// availability, and a timer restarted that often would never fire.
	const offset = useRef(offsetMs);
	offset.current = offsetMs;

	// The next read is armed here, by the read's own answer (or the join's), never by an effect:
	// a hidden page runs effects from timers chained to its clock's interval, and Chrome wakes such
	// timers once a minute in a page hidden five minutes, which can be the whole turn
	// (docs/decisions/143-a-turn-that-comes-while-the-tab-is-in-the-background.md).
	const poll = useRef<ReturnType<typeof setTimeout> | null>(null);
	const running = useRef({ active, startsAtMs, preQueueSpread });
	running.current = { active, startsAtMs, preQueueSpread };
	const read = useRef<() => Promise<void>>(async () => {});
	const arm = useCallback((next: Ticket | null) => {
		if (poll.current !== null) clearTimeout(poll.current);
		poll.current = null;
		const { active: on, startsAtMs: startsAt, preQueueSpread: spread } = running.current;
		if (!on) return;
		// On the server's clock as this page sees it: the start is the server's.
		const serverNow = Date.now() + offset.current;
		const delay = nextQueuePollMs(
			next,
			failures.current,
			startsAt === null ? null : startsAt - serverNow,
			Math.random(),
			serverNow,
			spread,
		);
		if (delay !== null) poll.current = setTimeout(() => void read.current(), delay);
	}, []);

	const refresh = useCallback(async () => {
		const r = await api.queueTicket(sku);
		let next = shown.current;
		if (r.ok) {
			failures.current = 0;
			setDropped(false);
			next = r.data;
		} else if (r.code === "not_found") {
			failures.current = 0;
			// A place the page showed is gone: only a reset drops a ticket still in play
			// (ended ones are forgotten long after, docs/api.md "Waiting room").
			const had = shown.current;
			if (had !== null && !isFinalTicketState(had.state)) setDropped(true);
			next = null;
		} else {
			failures.current += 1;
			// A tab in line in the background may send no other request for minutes (decision 137).
			if (r.code === "unauthorized") reportError.current(r, true);
		}
		shown.current = next;
		setTicket(next);
		arm(next);
	}, [api, sku, arm]);
	read.current = refresh;

	// A session that already has a ticket (a reload, another tab) sees it at once.
	useEffect(() => {
		if (active) void refresh();
	}, [active, refresh]);

	// The server is reachable again: forget the outage's backoff and ask once, spread.
	useEffect(() => {
		if (!active || reconnects === 0) return;
		failures.current = 0;
		const id = setTimeout(() => void refresh(), Math.random() * RECONNECT_READ_SPREAD_MS);
		return () => clearTimeout(id);
	}, [active, reconnects, refresh]);

	// Another tab of this session joined, reserved, paid or released (or this tab is back in
	// view): read the ticket once, whether or not one is shown. Only this session's tabs hear it.
	// (A tab that turns active reads it anyway, above: news heard meanwhile needs no second read.)
	const seenTabNews = useRef(tabs.news);
	useEffect(() => {
		if (tabs.news === seenTabNews.current) return;
		seenTabNews.current = tabs.news;
		if (active) void refresh();
	}, [active, tabs.news, refresh]);

	// An operator changed the SKU (a PATCH, or a reset that dropped every ticket): a page
	// holding a ticket reads it once, spread, as every open tab gets the message at once.
	useEffect(() => {
		if (!active || productMessages === 0 || shown.current === null) return;
		const id = setTimeout(() => void refresh(), Math.random() * OPERATOR_NEWS_READ_SPREAD_MS);
		return () => clearTimeout(id);
	}, [active, productMessages, refresh]);

	// Turned on, or the start moved: the next read from the ticket shown. Off: no read.
	useEffect(() => {
		arm(shown.current);
		return () => {
			if (poll.current !== null) clearTimeout(poll.current);
			poll.current = null;
		};
	}, [active, startsAtMs, arm]);

	const [retry, setRetry] = useState<JoinRetry | null>(null);
	const [stopped, setStopped] = useState<JoinStopped | null>(null);
	// The server refused a join for the limit: its count when it said it (`error.limit`).
	const [atLimit, setAtLimit] = useState<LimitCount | null>(null);
	// The refusals since the buyer's last click (null: none, or the run ended).
	const run = useRef<JoinRetryRun | null>(null);
	// The wait whose end joins again: each wait joins once, even when a render re-arms its timer
	// after the timer fired and before the page drew the join (effects run after paint).
	const due = useRef<JoinRetry | null>(null);
	const tell = useRef(tabs.tell);
	tell.current = tabs.tell;
	// The last join was refused 503 `unavailable`: the next one reads the product first, with the
	// session's token. A room that keeps its last places for sessions that viewed the product
	// refuses a session that has not (`unread_full`, decision 142) with the same 503, and asks
	// for that read; a session made after the page read the product (at the human check) may not have.
	// One read per join that follows such a refusal, at most JOIN_RETRY_MAX_TRIES by itself.
	const readFirst = useRef(false);
	const join = useCallback(
		async (bySelf = false) => {
			if (!bySelf) run.current = null;
			else if (run.current !== null) run.current.tries += 1;
			due.current = null;
			setRetry(null);
			setStopped(null);
			setJoining(true);
			if (readFirst.current) await api.product(sku);
			const r = await api.joinQueue(sku);
			setJoining(false);
			readFirst.current = !r.ok && r.code === "unavailable";
			if (r.ok || r.code === "purchase_limit") run.current = null;
			if (r.ok) {
				setAtLimit(null);
				setDropped(false);
				shown.current = r.data;
				setTicket(r.data);
				arm(r.data);
				tell.current({ freed: false });
				return;
			}
			// The server's count of this session's units, which this tab cannot see all of.
			if (r.code === "purchase_limit")
				return setAtLimit({
					perUserLimit: r.limit?.perUserLimit ?? null,
					usedUnits: r.limit?.usedUnits ?? null,
				});
			const waitMs = joinRetryDelayMs(r, Math.random());
			if (waitMs === null) {
				run.current = null;
				return reportError.current(r);
			}
			const nowMs = Date.now();
			run.current ??= { firstRefusedAtMs: nowMs, tries: 0 };
			const atMs = nextJoinRetryAtMs(run.current, nowMs, waitMs);
			if (atMs !== null) {
				due.current = { message: r.message, atMs };
				return setRetry(due.current);
			}
			setStopped({ message: r.message, tries: run.current.tries });
			run.current = null;
		},
		[api, sku, arm],
	);

	// The wait the server asked for is over: join again, once (a new refusal sets a new wait).
	useEffect(() => {
		if (!active || retry === null) return;
		const id = setTimeout(
			() => {
				if (due.current === retry) void join(true);
			},
			Math.max(0, retry.atMs - Date.now()),
		);
		return () => clearTimeout(id);
	}, [active, retry, join]);

	// An operator's change (the limit raised, a reset that ended every hold) may lift the limit.
	useEffect(() => {
		if (productMessages > 0) setAtLimit(null);
	}, [productMessages]);
	// Another tab of this session released a hold: the units it counted are back, and the limit
	// stays only while the server's count, less them, still reaches it (tab-news.ts).
	useOnFreed(tabs, (units) =>
		setAtLimit((limit) => (limit === null ? null : limitAfterFreed(limit, units))),
	);

	return {
		ticket,
		join,
		joining,
		retry,
		stopped,
		atLimit: atLimit !== null,
		/** The session's units by the server's count when it refused a join for the limit. */
		limitUsedUnits: atLimit?.usedUnits ?? null,
		refresh,
		dropped,
	};
}
