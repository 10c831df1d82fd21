// Step 4 of the demo sells in waves (src/web/demo/guardrail-waves.ts): the sale's own answers
// let the run go on; the service refusing a whole wave ends it with the refusal; a short
// Retry-After is waited out before the next wave, a long one ends the run.
import { describe, expect, it } from "vitest";
import type { ApiErr, ApiResult } from "../../src/web/api/client.ts";
import {
	afterWave,
	refusedByService,
	WAVE_RETRY_MAX_SECONDS,
} from "../../src/web/demo/guardrail-waves.ts";

function refusal(
	status: number,
	code: ApiErr["code"],
	retryAfterSeconds: number | null = null,
): ApiErr {
	return { ok: false, status, code, message: "m.", meta: null, retryAfterSeconds, roundTripMs: 1 };
}
const held = {
	ok: true,
	status: 201,
	data: { reservationId: `res_${crypto.randomUUID()}` },
	meta: null,
	roundTripMs: 1,
} as unknown as ApiResult<unknown>;
const wave = (...answers: ApiResult<unknown>[]) => answers;

describe("demo guardrail waves", () => {
	it("treats sold_out and purchase_limit as the sale's answers, the rest as refusals", () => {
		expect(refusedByService(refusal(409, "sold_out"))).toBe(false);
		expect(refusedByService(refusal(403, "purchase_limit"))).toBe(false);
		expect(refusedByService(held)).toBe(false);
		for (const r of [
			refusal(503, "unavailable", 5),
			refusal(429, "rate_limited", 1),
			refusal(503, "cost_limit"),
			refusal(0, "network_error"),
			refusal(500, "internal_error"),
			refusal(401, "unauthorized"),
		])
			expect(refusedByService(r)).toBe(true);
	});

	it("goes on without a pause while the sale answers", () => {
		expect(afterWave(wave(held, refusal(409, "sold_out")))).toEqual({
			kind: "next",
			pauseSeconds: 0,
		});
		expect(afterWave(wave(refusal(409, "sold_out"), refusal(409, "sold_out")))).toEqual({
			kind: "next",
			pauseSeconds: 0,
		});
	});

	it("ends the run when the service refused the whole wave, naming the refusal", () => {
		const unavailable = refusal(503, "unavailable", 5);
		expect(afterWave(wave(unavailable, refusal(503, "unavailable", 5)))).toEqual({
			kind: "stop",
			problem: unavailable,
		});
		const limited = refusal(429, "rate_limited", 2);
		expect(afterWave(wave(refusal(503, "cost_limit"), limited))).toEqual({
			kind: "stop",
			problem: limited,
		});
		const broken = refusal(500, "internal_error");
		expect(afterWave(wave(broken, refusal(500, "internal_error")))).toEqual({
			kind: "stop",
			problem: broken,
		});
	});

	it("ends the run on a wave with no answer at all, or a session gone, even among holds", () => {
		const gone = refusal(0, "network_error");
		expect(afterWave(wave(held, gone))).toEqual({ kind: "stop", problem: gone });
		const ended = refusal(401, "unauthorized");
		expect(afterWave(wave(held, ended))).toEqual({ kind: "stop", problem: ended });
	});

	it("waits out the longest short Retry-After of a partly refused wave", () => {
		expect(
			afterWave(wave(held, refusal(429, "rate_limited", 1), refusal(429, "rate_limited", 3))),
		).toEqual({ kind: "next", pauseSeconds: 3 });
	});

	it("ends the run when a Retry-After asks for longer than the page waits", () => {
		const long = refusal(429, "rate_limited", WAVE_RETRY_MAX_SECONDS + 1);
		expect(afterWave(wave(held, long))).toEqual({ kind: "stop", problem: long });
	});
});
