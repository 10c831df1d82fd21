// The storefront's wait after a join refused for now (src/web/storefront/join-retry.ts): never
// sooner than the server's Retry-After, at most JOIN_RETRY_SPREAD later, and no wait at all for
// a refusal that is not a "retry later"; and a run of refusals that stops by itself within
// JOIN_RETRY_MAX_TRIES joins and JOIN_RETRY_MAX_MS.
import { describe, expect, it } from "vitest";
import type { ApiErr } from "../../src/web/api/client.ts";
import {
	JOIN_RETRY_MAX_MS,
	JOIN_RETRY_MAX_TRIES,
	JOIN_RETRY_SPREAD,
	joinRetryDelayMs,
	nextJoinRetryAtMs,
} from "../../src/web/storefront/join-retry.ts";

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

describe("nextJoinRetryAtMs", () => {
	it("joins again after the wait while the run is within its bounds", () => {
		expect(nextJoinRetryAtMs({ firstRefusedAtMs: 0, tries: 0 }, 0, 36_000)).toBe(36_000);
		expect(
			nextJoinRetryAtMs({ firstRefusedAtMs: 0, tries: JOIN_RETRY_MAX_TRIES - 1 }, 150_000, 30_000),
		).toBe(180_000);
	});

	it("stops after JOIN_RETRY_MAX_TRIES joins by itself, however short the waits", () => {
		expect(
			nextJoinRetryAtMs({ firstRefusedAtMs: 0, tries: JOIN_RETRY_MAX_TRIES }, 5_000, 1_000),
		).toBeNull();
	});

	it("stops when the next join would come more than JOIN_RETRY_MAX_MS after the first refusal", () => {
		const run = { firstRefusedAtMs: 1_000, tries: 1 };
		expect(nextJoinRetryAtMs(run, 1_000 + JOIN_RETRY_MAX_MS - 30_000, 30_000)).toBe(
			1_000 + JOIN_RETRY_MAX_MS,
		);
		expect(nextJoinRetryAtMs(run, 1_000 + JOIN_RETRY_MAX_MS - 30_000, 30_001)).toBeNull();
		// A server asking for a wait longer than the whole bound is not waited out by itself.
		expect(
			nextJoinRetryAtMs({ firstRefusedAtMs: 0, tries: 0 }, 0, JOIN_RETRY_MAX_MS + 1),
		).toBeNull();
	});
});
