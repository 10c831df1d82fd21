// What a route of the mock backend (backend.ts) answers, and its errors with the status codes
// and messages the Worker gives them (docs/api.md), so the screens see the same envelopes.

import { type LimitFigures, limitMessage } from "../../shared/limit-message.ts";
import type { ErrorCode } from "../../shared/types.ts";

export type Answer = {
	status: number;
	data?: unknown;
	/** The data is the response's own meta.guardrail (the guardrail routes). */
	guardrailOfMeta?: boolean;
	code?: ErrorCode;
	message?: string;
	/** A failed payment's `error.payment` (docs/api.md, "Checkout after a failed payment"). */
	payment?: unknown;
	/** A 403 `purchase_limit`'s `error.limit` (docs/api.md, Reservations). */
	limit?: { perUserLimit: number; usedUnits: number };
	headers?: Record<string, string>;
};

const STATUS: Partial<Record<ErrorCode, number>> = {
	invalid_request: 400,
	unauthorized: 401,
	payment_declined: 402,
	turnstile_failed: 403,
	purchase_limit: 403,
	not_found: 404,
	unknown_sku: 404,
	sold_out: 409,
	not_started: 409,
	invalid_state: 409,
	reservation_expired: 410,
	rate_limited: 429,
	hold_cooldown: 429,
};

/** The refusals' sentences the server sends without figures (worker/http.ts's defaults). */
export const MESSAGES: Record<"sold_out" | "not_started", string> = {
	sold_out: "Sold out: fewer units are available than requested.",
	not_started: "The drop has not started yet.",
};

/**
 * A reserve's refusal in the server's words: `purchase_limit` with its figures, as the server
 * words it (src/shared/limit-message.ts); the others as MESSAGES.
 */
export function refusal(
	code: "sold_out" | "not_started" | "purchase_limit",
	sku: string,
	figures: LimitFigures = {},
): Answer {
	if (code !== "purchase_limit") return err(code, MESSAGES[code]);
	const answer = err(
		code,
		limitMessage(sku, figures) ??
			"This session already holds or bought as many units as a buyer may.",
	);
	// The server's `error.limit` when the decision counted the session's units
	// (src/worker/reserve-answer.ts): a page in mock mode shows the count as it would live.
	const { perUserLimit, usedUnits } = figures;
	if (perUserLimit === undefined || usedUnits === undefined) return answer;
	return { ...answer, limit: { perUserLimit, usedUnits } };
}

export function err(code: ErrorCode, message: string): Answer {
	return { status: STATUS[code] ?? 500, code, message };
}
