// The session's waiting-room ticket for one SKU, kept fresh by polling with
// backoff and jitter (queue-poll.ts), read once more when an admission ends, and
// read again soon after the live feed comes back from a drop (the backoff the outage
// built up could otherwise hide a turn until it is over).
// Joining is the buyer's click; reading the ticket again needs no click. A join refused for now
// with a Retry-After (a full room) is tried again once that wait is over (join-retry.ts).

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Ticket } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { joinRetryDelayMs } from "./join-retry.ts";
import { nextQueuePollMs, RECONNECT_READ_SPREAD_MS } from "./queue-poll.ts";

/** A join the server refused for now: why, and when (this device's clock) the page joins again. */
export interface JoinRetry {
	message: string;
	atMs: number;
}

export function useQueueTicket(
	api: ApiClient,
	sku: string,
	active: boolean,
	startsAtMs: number | null,
	/** Server clock minus this device's (useProductFeed): when an admission ends here. */
	offsetMs: number,
	onError: (err: ApiErr) => void,
	/** How many times the live feed came back after a drop (useProductFeed `reconnects`). */
	reconnects: number,
) {
	const [ticket, setTicket] = useState<Ticket | null>(null);
	const [joining, setJoining] = useState(false);
	const failures = useRef(0);
	const [tick, setTick] = useState(0);
	// Read when a poll is scheduled, not a reason to reschedule: it moves with every
	// availability, and a timer restarted that often would never fire.
	const offset = useRef(offsetMs);
	offset.current = offsetMs;

	const refresh = useCallback(async () => {
		const r = await api.queueTicket(sku);
		if (r.ok) {
			failures.current = 0;
			setTicket(r.data);
		} else if (r.code === "not_found") {
			failures.current = 0;
			setTicket(null);
		} else failures.current += 1;
		setTick((n) => n + 1);
	}, [api, sku]);

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

	useEffect(() => {
		if (!active) return;
		const startsInMs = startsAtMs === null ? null : startsAtMs - Date.now();
		const delay = nextQueuePollMs(
			ticket,
			failures.current,
			startsInMs,
			Math.random(),
			Date.now() + offset.current,
		);
		if (delay === null) return;
		const id = setTimeout(() => void refresh(), delay);
		return () => clearTimeout(id);
	}, [active, ticket, tick, startsAtMs, refresh]);

	const [retry, setRetry] = useState<JoinRetry | null>(null);
	const join = useCallback(async () => {
		setRetry(null);
		setJoining(true);
		const r = await api.joinQueue(sku);
		setJoining(false);
		if (r.ok) return setTicket(r.data);
		const waitMs = joinRetryDelayMs(r, Math.random());
		if (waitMs === null) return onError(r);
		setRetry({ message: r.message, atMs: Date.now() + waitMs });
	}, [api, sku, onError]);

	// The wait the server asked for is over: join again, once (a new refusal sets a new wait).
	useEffect(() => {
		if (!active || retry === null) return;
		const id = setTimeout(() => void join(), Math.max(0, retry.atMs - Date.now()));
		return () => clearTimeout(id);
	}, [active, retry, join]);

	return { ticket, setTicket, join, joining, retry, refresh };
}
