// A reset whose answer the console did not get (src/web/console/reset-outcome.ts): which
// failures leave the outcome open, and how the audit trail settles it by the reset's own
// Idempotency-Key (done, not done, not yet known), without ever calling it "failed" before the
// trail was read, nor taking another operator's reset for this one.
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/shared/types.ts";
import { ApiClient, type ApiErr } from "../../src/web/api/client.ts";
import {
	doneText,
	lostReset,
	notYetText,
	outcomeUnknown,
	partialText,
	settleLostReset,
	type TrailReads,
	unconfirmedText,
} from "../../src/web/console/reset-outcome.ts";

const SKU = `RST-${crypto.randomUUID().slice(0, 8)}`;
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);
/** The key this console's reset was sent with. */
const KEY = crypto.randomUUID();

function failure(status: number, code: ApiErr["code"], message = "m."): ApiErr {
	return { ok: false, status, code, message, meta: null, retryAfterSeconds: null, roundTripMs: 1 };
}

/** An `inventory.reset`; `key` its Idempotency-Key (none: an unkeyed reset). */
function reset(id: string, atMs: number, shard?: number, key?: string): AuditEvent {
	return {
		id,
		seq: 1,
		sku: SKU,
		type: "inventory.reset",
		at: new Date(atMs).toISOString(),
		...(shard === undefined ? {} : { shard }),
		detail: key === undefined ? { totalStock: 10 } : { totalStock: 10, idempotencyKey: key },
	};
}

function reads(startedAtMs: number, resets: AuditEvent[]): TrailReads {
	return { startedAtMs, resets };
}

describe("a reset whose answer was lost", () => {
	it("leaves the outcome open only when nothing says the reset was refused", () => {
		expect(outcomeUnknown(failure(0, "network_error", "Could not reach the server."))).toBe(true);
		expect(outcomeUnknown(failure(502, "bad_response"))).toBe(true);
		expect(outcomeUnknown(failure(500, "internal_error"))).toBe(true);
		expect(outcomeUnknown(failure(503, "unavailable"))).toBe(true);
		expect(outcomeUnknown(failure(429, "rate_limited"))).toBe(false);
		expect(outcomeUnknown(failure(404, "unknown_sku"))).toBe(false);
		expect(outcomeUnknown(failure(401, "unauthorized"))).toBe(false);
	});

	it("says 'not confirmed', never 'failed' nor 'try again', while unknown", () => {
		const text = unconfirmedText(SKU, failure(0, "network_error", "Could not reach the server."));
		expect(text).toMatch(
			new RegExp(`^Reset of ${SKU} not confirmed: Could not reach the server\\.`),
		);
		expect(text).not.toMatch(/failed|try again/i);
	});

	it("is done when the trail shows a reset carrying this reset's own key", () => {
		const old = reset("evt_old", T0 - 600_000);
		const lost = lostReset(SKU, KEY, T0, T0 + 200);
		// A read that began before the failure, without the reset: not known yet.
		expect(settleLostReset(lost, reads(T0 + 100, [old])).kind).toBe("unknown");
		expect(settleLostReset(lost, null).kind).toBe("unknown");
		const mine = reset("evt_mine", T0 + 50, undefined, KEY);
		const verdict = settleLostReset(lost, reads(T0 + 100, [old, mine]));
		expect(verdict).toEqual({ kind: "done", event: mine });
		if (verdict.kind === "done") expect(doneText(SKU, verdict.event)).toMatch(/was reset at /);
	});

	it("goes by the key, not by clocks: a browser clock ten minutes ahead still finds it", () => {
		const lost = lostReset(SKU, KEY, T0, T0 + 200);
		const mine = reset("evt_mine", T0 - 600_000, undefined, KEY);
		expect(settleLostReset(lost, reads(T0 + 5_000, [mine]))).toEqual({ kind: "done", event: mine });
	});

	it("never takes another operator's reset for this one, however close in time", () => {
		const lost = lostReset(SKU, KEY, T0, T0 + 200);
		// Someone else's, keyed and unkeyed, made between the console's last read and the click.
		const theirs = reset("evt_theirs", T0 - 10, undefined, crypto.randomUUID());
		const unkeyed = reset("evt_unkeyed", T0 + 20);
		expect(settleLostReset(lost, reads(T0 + 300, [theirs, unkeyed]))).toEqual({
			kind: "not_done",
			readStartedAtMs: T0 + 300,
		});
		const mine = reset("evt_mine", T0 + 400, undefined, KEY);
		expect(settleLostReset(lost, reads(T0 + 1_000, [theirs, unkeyed, mine]))).toEqual({
			kind: "done",
			event: mine,
		});
	});

	it("is not done when a read that began after the failure reached the trail's end without one", () => {
		const old = reset("evt_old", T0 - 600_000);
		const lost = lostReset(SKU, KEY, T0, T0 + 200);
		expect(settleLostReset(lost, reads(T0 + 300, [old]))).toEqual({
			kind: "not_done",
			readStartedAtMs: T0 + 300,
		});
		// A reset the server finished after that read still shows at the next.
		const late = reset("evt_late", T0 + 400, undefined, KEY);
		expect(settleLostReset(lost, reads(T0 + 1_800, [old, late])).kind).toBe("done");
	});

	it("on a split SKU, is not done while the trail shows the key's reset on some shards only", () => {
		// The coordinator (shard 0) resets itself and records its event first, the other shards
		// after: a crash between leaves the trail with shard 0's event alone.
		const lost = lostReset(SKU, KEY, T0, T0 + 200, undefined, 4);
		const s0 = reset("evt_s0", T0 + 50, 0, KEY);
		const s1 = reset("evt_s1", T0 + 60, 1, KEY);
		expect(settleLostReset(lost, reads(T0 + 300, [s0]))).toEqual({
			kind: "partial",
			shardsDone: 1,
			shards: 4,
		});
		// Another key's events on the other shards prove nothing about this one.
		const theirs = [2, 3].map((i) => reset(`evt_t${i}`, T0 + 70, i, crypto.randomUUID()));
		expect(settleLostReset(lost, reads(T0 + 300, [s0, s1, ...theirs])).kind).toBe("partial");
		const rest = [2, 3].map((i) => reset(`evt_s${i}`, T0 + 900, i, KEY));
		expect(settleLostReset(lost, reads(T0 + 1_000, [s0, s1, ...rest]))).toEqual({
			kind: "done",
			event: s0,
		});
		const text = partialText(SKU, 1, 4);
		expect(text).toContain("1 of its 4 shards");
		expect(text).not.toMatch(/was reset/);
	});

	it("names the coordinator's reset on a split SKU", () => {
		const lost = lostReset(SKU, KEY, T0, T0 + 200, undefined, 3);
		const shard2 = reset("evt_s2", T0 + 40, 2, KEY);
		const coordinator = reset("evt_s0", T0 + 50, 0, KEY);
		const shard1 = reset("evt_s1", T0 + 60, 1, KEY);
		expect(settleLostReset(lost, reads(T0 + 300, [shard2, coordinator, shard1]))).toEqual({
			kind: "done",
			event: coordinator,
		});
	});

	it("sends the click's key with the reset", async () => {
		const sent: Record<string, string>[] = [];
		const client = new ApiClient({
			kind: "live",
			send: (req) => {
				sent.push(req.headers);
				return Promise.reject(new TypeError("Failed to fetch"));
			},
		});
		await client.resetProduct(SKU, KEY);
		expect(sent[0]?.["idempotency-key"]).toBe(KEY);
	});

	it("never calls a reset the page stopped waiting for 'not done': the server may still do it", () => {
		const timedOut: ApiErr = {
			...failure(0, "network_error", "The server did not answer in time."),
			timedOut: true,
		};
		expect(outcomeUnknown(timedOut)).toBe(true);
		const text = unconfirmedText(SKU, timedOut);
		expect(text).toMatch(/may have done the reset or still be doing it/);
		expect(text).not.toMatch(/failed|try again/i);
		const old = reset("evt_old", T0 - 600_000);
		const lost = lostReset(SKU, KEY, T0, T0 + 15_000, timedOut);
		// A complete read that began 257 ms after the page gave up, and a minute later: no reset yet.
		for (const at of [T0 + 15_257, T0 + 75_000]) {
			const verdict = settleLostReset(lost, reads(at, [old]));
			expect(verdict).toEqual({ kind: "not_yet", readStartedAtMs: at });
			expect(notYetText(SKU, at)).not.toMatch(/not done|try again|Reset again/i);
		}
		// The reset the server was still doing lands: done.
		const late = reset("evt_late", T0 + 80_000, undefined, KEY);
		expect(settleLostReset(lost, reads(T0 + 81_000, [old, late]))).toEqual({
			kind: "done",
			event: late,
		});
	});

	it("learns from the client whether the page gave up waiting or the connection was lost", async () => {
		const throwing = (error: Error) =>
			new ApiClient({
				kind: "live",
				send: () => Promise.reject(error),
			});
		const timeout = await throwing(
			new DOMException("signal timed out", "TimeoutError"),
		).resetProduct(SKU);
		expect(timeout.ok).toBe(false);
		if (!timeout.ok) expect(timeout.timedOut).toBe(true);
		const dropped = await throwing(new TypeError("Failed to fetch")).resetProduct(SKU);
		expect(dropped.ok).toBe(false);
		if (!dropped.ok) {
			expect(dropped.timedOut).toBeUndefined();
			const lost = lostReset(SKU, KEY, T0, T0 + 200, dropped);
			expect(settleLostReset(lost, reads(T0 + 300, [])).kind).toBe("not_done");
		}
	});
});
