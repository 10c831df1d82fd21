// What the storefront's outcome line holds, and which failed answers leave an
// outcome unknown. Shared by the page (App.tsx) and its hooks (useHumanCheck.ts,
// useHoldActions.ts).

import type { NoticeValue } from "../components/Layout.tsx";
import type { LimitCount } from "./tab-news.ts";

/** Answers after which a retried payment or reserve reuses its Idempotency-Key: the outcome is unknown. */
export const UNKNOWN_OUTCOME = new Set([
	"network_error",
	"bad_response",
	"unavailable",
	"internal_error",
	"rate_limited",
	"cost_limit",
]);

/** An outcome on screen; `code` and `atServerMs` let the live state retire it once untrue. */
export type StoreNotice = NoticeValue & {
	code?: string;
	atServerMs?: number;
	/** The human check's success: its words follow the page's state (verified-notice.ts). */
	verified?: boolean;
	/** A `purchase_limit` refusal's count (`error.limit`): kept while it still reaches the limit. */
	limit?: LimitCount;
};
