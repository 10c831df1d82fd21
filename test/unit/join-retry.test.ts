// The storefront's wait after a join refused for now (src/web/storefront/join-retry.ts): never
// sooner than the server's Retry-After, at most JOIN_RETRY_SPREAD later, and no wait at all for
// a refusal that is not a "retry later".
import { describe, expect, it } from "vitest";
import type { ApiErr } from "../../src/web/api/client.ts";
import { JOIN_RETRY_SPREAD, joinRetryDelayMs } from "../../src/web/storefront/join-retry.ts";

function refusal(fields: Partial<ApiErr>): ApiErr {
	return {
		ok: false,
		status: 503,
		code: "unavailable",
		message: "The waiting room is full; retry shortly.",
		meta: null,
		retryAfterSeconds: 30,
		roundTripMs: 1,
		...fields,
	};
}

describe("joinRetryDelayMs", () => {
	it("waits the server's Retry-After, spread by up to JOIN_RETRY_SPREAD of it", () => {
		expect(joinRetryDelayMs(refusal({}), 0)).toBe(30_000);
		const latest = joinRetryDelayMs(refusal({}), 0.999_999) ?? 0;
		expect(latest).toBeGreaterThan(30_000);
		expect(latest).toBeLessThanOrEqual(30_000 * (1 + JOIN_RETRY_SPREAD));
		expect(
			joinRetryDelayMs(refusal({ status: 429, code: "rate_limited", retryAfterSeconds: 2 }), 0.5),
		).toBe(2_200);
	});

	it("has no wait for a refusal without Retry-After or one that is not a 'retry later'", () => {
		expect(joinRetryDelayMs(refusal({ retryAfterSeconds: null }), 0.5)).toBeNull();
		expect(
			joinRetryDelayMs(refusal({ status: 409, code: "invalid_state", retryAfterSeconds: 30 }), 0.5),
		).toBeNull();
		expect(joinRetryDelayMs(refusal({ status: 0, code: "network_error" }), 0.5)).toBeNull();
	});
});
