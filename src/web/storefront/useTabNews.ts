// This tab's ear and voice on the channel between the open tabs of one buyer session
// (tab-news.ts): `tell` after the buyer's own action changed the session's standing on this SKU;
// `news` counts what other tabs of the same session told, and this tab coming back into view
// (a message may have been missed while the browser froze it), at most once every
// SHOWN_AGAIN_GAP_MS; `freed` counts the news that units may have gone back.
// docs/decisions/110-two-tabs-of-one-buyer.md

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { newsFor, SHOWN_AGAIN_GAP_MS, TAB_NEWS_CHANNEL } from "./tab-news.ts";

export interface TabNewsState {
	/** Other tabs' news and returns into view, counted. */
	news: number;
	/** The part of `news` that says units may have gone back. */
	freed: number;
	/** Says to the other tabs that this session's standing on this SKU changed here. */
	tell(freed: boolean): void;
}

export function useTabNews(sku: string, sessionId: string | null): TabNewsState {
	const [news, setNews] = useState(0);
	const [freed, setFreed] = useState(0);
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
			if (heard.freed) setFreed((n) => n + 1);
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
		(unitsFreed: boolean) => {
			const id = session.current;
			if (id === null) return;
			channel.current?.postMessage({ sessionId: id, sku, freed: unitsFreed });
		},
		[sku],
	);

	return { news, freed, tell };
}
