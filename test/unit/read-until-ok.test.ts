// The storefront's retry of a read it cannot work without (src/web/api/read-until-ok.ts):
// tried again after the feed's backoff, never sooner than the answer's Retry-After, until
// it succeeds, it is told to give up, or it is stopped. Timers are faked: nothing waits.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApiErr, ApiResult } from "../../src/web/api/client.ts";
import { readUntilOk } from "../../src/web/api/read-until-ok.ts";

const busy = (retryAfterSeconds: number | null): ApiErr =>
	({ ok: false, status: 503, code: "unavailable", retryAfterSeconds }) as ApiErr;
const fine = {
	ok: true,
	status: 200,
	data: "ready",
	meta: {},
	roundTripMs: 1,
} as ApiResult<string>;

/** A read answering `answers` in turn, counting its calls. */
function reads(...answers: ApiResult<string>[]) {
	const read = vi.fn(async () => answers[Math.min(read.mock.calls.length - 1, answers.length - 1)]);
	return read as unknown as (() => Promise<ApiResult<string>>) & { mock: { calls: unknown[] } };
}

describe("readUntilOk", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("tries again after each failure until the read succeeds, saying each failure", async () => {
		const read = reads(busy(null), busy(null), fine);
		const ok = vi.fn();
		const failed = vi.fn(() => true);
		readUntilOk(read, { ok, failed });
		await vi.advanceTimersByTimeAsync(0);
		expect(failed).toHaveBeenCalledTimes(1);
		// The feed's backoff: 500 ms ±20 %, then 1 s ±20 %.
		await vi.advanceTimersByTimeAsync(600);
		expect(read.mock.calls).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(1_200);
		expect(read.mock.calls).toHaveLength(3);
		expect(ok).toHaveBeenCalledWith(fine);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(read.mock.calls).toHaveLength(3);
	});

	it("waits at least the answer's Retry-After", async () => {
		const read = reads(busy(5), fine);
		readUntilOk(read, { ok: () => {}, failed: () => true });
		await vi.advanceTimersByTimeAsync(4_900);
		expect(read.mock.calls).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(200);
		expect(read.mock.calls).toHaveLength(2);
	});

	it("gives up when told to, and reads no more once stopped", async () => {
		const refused = reads(busy(null));
		readUntilOk(refused, { ok: () => {}, failed: () => false });
		await vi.advanceTimersByTimeAsync(60_000);
		expect(refused.mock.calls).toHaveLength(1);

		const stopped = reads(busy(null));
		const stop = readUntilOk(stopped, { ok: () => {}, failed: () => true });
		await vi.advanceTimersByTimeAsync(0);
		stop();
		await vi.advanceTimersByTimeAsync(60_000);
		expect(stopped.mock.calls).toHaveLength(1);
	});
});
