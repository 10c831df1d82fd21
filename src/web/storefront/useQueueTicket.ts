// The session's waiting-room ticket for one SKU, kept fresh by polling with
// backoff and jitter (queue-poll.ts). Joining is the buyer's click; reading the
// ticket again needs no click.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Ticket } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { nextQueuePollMs } from "./queue-poll.ts";

export function useQueueTicket(
	api: ApiClient,
	sku: string,
	active: boolean,
	startsAtMs: number | null,
	onError: (err: ApiErr) => void,
) {
	const [ticket, setTicket] = useState<Ticket | null>(null);
	const [joining, setJoining] = useState(false);
	const failures = useRef(0);
	const [tick, setTick] = useState(0);

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

	useEffect(() => {
		if (!active) return;
		const startsInMs = startsAtMs === null ? null : startsAtMs - Date.now();
		const delay = nextQueuePollMs(ticket, failures.current, startsInMs, Math.random());
		if (delay === null) return;
		const id = setTimeout(() => void refresh(), delay);
		return () => clearTimeout(id);
	}, [active, ticket, tick, startsAtMs, refresh]);

	const join = useCallback(async () => {
		setJoining(true);
		const r = await api.joinQueue(sku);
		setJoining(false);
		if (r.ok) setTicket(r.data);
		else onError(r);
	}, [api, sku, onError]);

	return { ticket, setTicket, join, joining, refresh };
}
