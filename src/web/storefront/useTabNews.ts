// This tab's ear and voice on the channel between the open tabs of one buyer session
// (tab-news.ts): `tell` after the buyer's own action changed the session's standing on this SKU;
// `news` counts what other tabs of the same session told, and this tab coming back into view
// (a message may have been missed while the browser froze it), at most once every
// SHOWN_AGAIN_GAP_MS; `freed` counts the news that units may have gone back, `freedUnits` adds up
// how many (null once a release did not say); `held` is the latest hold another tab took.
// docs/decisions/110-two-tabs-of-one-buyer.md, docs/decisions/111-the-storefronts-leftovers.md

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { newsFor, SHOWN_AGAIN_GAP_MS, TAB_NEWS_CHANNEL } from "./tab-news.ts";

/** What this tab tells the others: units freed (a release, and how many), or a hold taken. */
export interface Told {
	freed: boolean;
	units?: number;
	holdId?: string;
}

export interface TabNewsState {
	/** Other tabs' news and returns into view, counted. */
	news: number;
	/** The part of `news` that says units may have gone back. */
	freed: number;
	/** The units those releases freed, added up; null once one did not say how many. */
	freedUnits: number | null;
	/** The latest hold another tab of the session took (`n` counts them, so the same id is news again). */
	held: { holdId: string; n: number } | null;
	/** Says to the other tabs that this session's standing on this SKU changed here. */
	tell(told: Told): void;
}

export function useTabNews(sku: string, sessionId: string | null): TabNewsState {
	const [news, setNews] = useState(0);
	const [freed, setFreed] = useState(0);
	const [freedUnits, setFreedUnits] = useState<number | null>(0);
	const [held, setHeld] = useState<{ holdId: string; n: number } | null>(null);
	const channel = useRef<BroadcastChannel | null>(null);
	const session = useRef(sessionId);
	session.current = sessionId;

	useEffect(() => {
		// Where the browser has no channel the page learns as before (the feed, its own actions).
		if (typeof BroadcastChannel !== "function") return;
		const ch = new BroadcastChannel(TAB_NEWS_CHANNEL);
		channel.current = ch;
		ch.onmessage = (event) => {
			const heard = newsFor(event.data, session.current, sku);
			if (heard === null) return;
			setNews((n) => n + 1);
			if (heard.freed) {
				setFreed((n) => n + 1);
				const units = heard.units;
				setFreedUnits((total) => (total === null || units === undefined ? null : total + units));
			}
			const holdId = heard.holdId;
			if (holdId !== undefined) setHeld((h) => ({ holdId, n: (h?.n ?? 0) + 1 }));
		};
		return () => {
			channel.current = null;
			ch.close();
		};
	}, [sku]);

	useEffect(() => {
		let lastMs = Number.NEGATIVE_INFINITY;
		const shown = () => {
			if (document.visibilityState !== "visible") return;
			if (Date.now() - lastMs < SHOWN_AGAIN_GAP_MS) return;
			lastMs = Date.now();
			setNews((n) => n + 1);
		};
		document.addEventListener("visibilitychange", shown);
		return () => document.removeEventListener("visibilitychange", shown);
	}, []);

	const tell = useCallback(
		(told: Told) => {
			const id = session.current;
			if (id === null) return;
			channel.current?.postMessage({ sessionId: id, sku, ...told });
		},
		[sku],
	);

	return { news, freed, freedUnits, held, tell };
}

/**
 * Calls `freed` once for each change of another tab's releases, with the units they gave back
 * (null when one did not say how many).
 */
export function useOnFreed(
	tabs: Pick<TabNewsState, "freed" | "freedUnits">,
	freed: (units: number | null) => void,
): void {
	const seen = useRef(tabs.freedUnits);
	const on = useRef(freed);
	on.current = freed;
	useEffect(() => {
		const before = seen.current;
		seen.current = tabs.freedUnits;
		if (tabs.freed === 0) return;
		on.current(before === null || tabs.freedUnits === null ? null : tabs.freedUnits - before);
	}, [tabs.freed, tabs.freedUnits]);
}
