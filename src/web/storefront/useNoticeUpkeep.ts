// The storefront's outcome notice kept true (App.tsx): an outcome the live state has made untrue
// goes away — "Sold out" once stock is back (seen in an availability newer than the answer), "not
// started" once it has, a "please wait" once the wait is over — and a limit another tab's release
// may have lifted is reworded or dropped by the server's count less the units freed (tab-news.ts).

import type { Dispatch, StateUpdater } from "preact/hooks";
import { useEffect } from "preact/hooks";
import type { Availability } from "../../shared/types.ts";
import { describeCode } from "../api/outcomes.ts";
import { type SaleView, stillTrue } from "./sale.ts";
import type { StoreNotice } from "./store-notice.ts";
import { limitAfterFreed } from "./tab-news.ts";
import { type TabNewsState, useOnFreed } from "./useTabNews.ts";

export interface NoticeUpkeep {
	notice: StoreNotice | null;
	setNotice: Dispatch<StateUpdater<StoreNotice | null>>;
	sale: SaleView | null;
	availability: Availability | null;
	/** When the page's wait (a limiter's 429, a cool-down) ends, epoch ms; 0: none. */
	waitUntilMs: number;
	/** Seconds left of that wait, from this moment. */
	waitSeconds: number;
	serverNowMs: number;
	tabs: TabNewsState;
}

export function useNoticeUpkeep(p: NoticeUpkeep): void {
	const { notice, setNotice, sale, availability, waitUntilMs, waitSeconds, serverNowMs } = p;
	useEffect(() => {
		if (notice?.code === undefined || sale === null || availability === null) return;
		const untrue =
			notice.code === "rate_limited" || notice.code === "hold_cooldown"
				? waitUntilMs > 0 && waitSeconds <= 0
				: !stillTrue(notice.code, sale, {
						noticeAtServerMs: notice.atServerMs ?? 0,
						availabilityAsOfMs: Date.parse(availability.asOf),
						serverNowMs,
					});
		if (untrue) setNotice(null);
	});

	// Another tab of the session released a hold: a limit this tab was told of may not hold now.
	// It stays while the server's count, less the units freed, still reaches it.
	useOnFreed(p.tabs, (units) =>
		setNotice((n) => {
			if (n?.code !== "purchase_limit") return n;
			const left = n.limit === undefined ? null : limitAfterFreed(n.limit, units);
			if (left === null) return null;
			const { perUserLimit, usedUnits } = left;
			const text = describeCode("purchase_limit", "", null, {
				perUserLimit: perUserLimit ?? undefined,
				usedUnits: usedUnits ?? undefined,
			});
			return { ...n, limit: left, text };
		}),
	);
}
