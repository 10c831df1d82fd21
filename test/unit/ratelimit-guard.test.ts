// The per-session reserve guard the SKU object runs, with an injected clock:
// an eager person gets exactly 200 attempts a minute, honest Retry-After, tiers
// from bot signals, and one session never touches another's limit.
import { describe, expect, it } from "vitest";
import { REGULAR_GAPS } from "../../src/domain/botsignals.ts";
import type { ReserveLimits } from "../../src/ratelimit/config.ts";
import { rateLimitConfig } from "../../src/ratelimit/config.ts";
import {
	type GuardVerdict,
	ReserveGuard,
	refusalMessage,
} from "../../src/ratelimit/reserve-guard.ts";
import { nth } from "../support/arrays.ts";
import { seededRandom as prng } from "../support/random.ts";

const T0 = 1_750_000_000_000;
const LIMITS = rateLimitConfig({})?.reserve as ReserveLimits;

/** An eager person: irregular gaps of tens to hundreds of ms. */
function eagerTimes(n: number, seed: number, start = T0): number[] {
	const rand = prng(seed);
	const out: number[] = [];
	let t = start;
	for (let i = 0; i < n; i++) {
		out.push(t);
		t += 20 + Math.round(rand() * 230);
	}
	return out;
}

function refused(v: GuardVerdict): Extract<GuardVerdict, { ok: false }> {
	if (v.ok) throw new Error("expected a refusal");
	return v;
}

describe("ReserveGuard", () => {
	it("an eager person who read the product: 200 attempts within a minute pass, the 201st is refused honestly", () => {
		const guard = new ReserveGuard();
		guard.markRead("ses_eager");
		const times = eagerTimes(201, 42);
		expect(nth(times, 200) - nth(times, 0)).toBeLessThan(60_000);
		for (const t of times.slice(0, 200))
			expect(guard.attempt("ses_eager", t, t, LIMITS)).toEqual({ ok: true, tier: "verified" });
		const last = nth(times, 200);
		const no = refused(guard.attempt("ses_eager", last, last, LIMITS));
		expect(no).toMatchObject({ tier: "verified", limit: 200, windowMs: 60_000 });
		// The first attempt leaves the window a minute (plus at most one slot) after it was made.
		expect(last + no.retryAfterMs).toBeGreaterThanOrEqual(nth(times, 0) + 60_000);
		expect(last + no.retryAfterMs).toBeLessThanOrEqual(nth(times, 0) + 61_000);
		const retryAt = last + Math.ceil(no.retryAfterMs / 1000) * 1000;
		expect(guard.attempt("ses_eager", retryAt, retryAt, LIMITS).ok).toBe(true);
	});

	it("a session that never read the product gets the new tier's 50", () => {
		const guard = new ReserveGuard();
		const times = eagerTimes(51, 5);
		for (const t of times.slice(0, 50))
			expect(guard.attempt("ses_new", t, t, LIMITS)).toEqual({ ok: true, tier: "new" });
		expect(refused(guard.attempt("ses_new", nth(times, 50), nth(times, 50), LIMITS))).toMatchObject(
			{
				tier: "new",
				limit: 50,
			},
		);
		// Reading the product lifts it to the verified tier at once.
		guard.markRead("ses_new");
		expect(guard.attempt("ses_new", nth(times, 50) + 100, nth(times, 50) + 100, LIMITS)).toEqual({
			ok: true,
			tier: "verified",
		});
	});

	it("a script with exact 100 ms intervals is tiered down to 1 a minute, and told why", () => {
		const guard = new ReserveGuard();
		guard.markRead("ses_bot");
		const verdicts: GuardVerdict[] = [];
		for (let i = 0; i <= REGULAR_GAPS + 5; i++) {
			const t = T0 + i * 100;
			verdicts.push(guard.attempt("ses_bot", t, t, LIMITS));
		}
		expect(verdicts.slice(0, REGULAR_GAPS).every((v) => v.ok && v.tier === "verified")).toBe(true);
		const no = refused(nth(verdicts, REGULAR_GAPS));
		expect(no).toMatchObject({ tier: "suspected", flag: "regular", limit: 1 });
		// Honest: once its window has emptied, one attempt a minute passes.
		const at = T0 + REGULAR_GAPS * 100 + no.retryAfterMs;
		expect(guard.attempt("ses_bot", at + 1234, at, LIMITS)).toEqual({
			ok: true,
			tier: "suspected",
		});
		const message = refusalMessage(no, 61);
		expect(message).toContain("machine-regular");
		expect(message).toContain("1 reservation attempt per 60 s");
		expect(message).toContain("Retry after 61 s.");
	});

	it("one session's limit and flags do not touch another's", () => {
		const guard = new ReserveGuard();
		guard.markRead("ses_a");
		guard.markRead("ses_b");
		const a = eagerTimes(200, 8);
		for (const t of a) expect(guard.attempt("ses_a", t, t, LIMITS).ok).toBe(true);
		const after = nth(a, -1) + 50;
		expect(guard.attempt("ses_a", after, after, LIMITS).ok).toBe(false);
		// Session b, interleaved in time with a, has its whole allowance.
		for (const t of eagerTimes(200, 9, T0 + 10))
			expect(guard.attempt("ses_b", t, t, LIMITS).ok).toBe(true);
	});

	it("forgets the least recently seen sessions beyond its bound (more lenient, never wrongly refusing)", () => {
		const guard = new ReserveGuard(2);
		const one: ReserveLimits = { ...LIMITS, verified: 1, new: 1 };
		expect(guard.attempt("a", T0, T0, one).ok).toBe(true);
		expect(guard.attempt("a", T0 + 1, T0 + 1, one).ok).toBe(false);
		guard.attempt("b", T0 + 2, T0 + 2, one);
		guard.attempt("c", T0 + 3, T0 + 3, one);
		expect(guard.size).toBe(2);
		expect(guard.attempt("a", T0 + 4, T0 + 4, one).ok).toBe(true);
	});

	it("recalled sessions count as readers (which reads are stored: test/unit/stored-reads.test.ts)", () => {
		const guard = new ReserveGuard();
		expect(guard.tracks("ses_back")).toBe(false);
		// Met again after a restart: its read was stored with its hold (inventory/readers.ts).
		guard.recall("ses_back", true);
		expect(guard.tracks("ses_back")).toBe(true);
		expect(guard.attempt("ses_back", T0, T0, LIMITS)).toMatchObject({ ok: true, tier: "verified" });
		// A session with no stored read is tracked, and judged new.
		guard.recall("ses_never", false);
		expect(guard.tracks("ses_never")).toBe(true);
		expect(guard.attempt("ses_never", T0, T0, LIMITS)).toMatchObject({ ok: true, tier: "new" });
	});

	it("a reset starts the drop's figures again: earlier attempts and flags are not the new drop's, the limit stays", () => {
		const guard = new ReserveGuard();
		guard.markRead("ses_bot");
		guard.markRead("ses_person");
		for (let i = 0; i <= REGULAR_GAPS; i++)
			guard.attempt("ses_bot", T0 + i * 100, T0 + i * 100, LIMITS);
		guard.attempt("ses_person", T0 + 50, T0 + 50, LIMITS);
		const known = () => Object.fromEntries(guard.known());
		expect(known()).toMatchObject({
			ses_bot: { everFlagged: true, attempted: true },
			ses_person: { everFlagged: false, attempted: true },
		});

		const resetAt = T0 + 10_000;
		guard.dropReset(resetAt);
		expect(known()).toMatchObject({
			ses_bot: { read: true, everFlagged: false, attempted: false },
			ses_person: { read: true, everFlagged: false, attempted: false },
		});
		// The person asks again: attempted in the new drop. The bot too, refused: the signals keep
		// their history across a reset (its limit stays), and judge this attempt flagged anew.
		expect(guard.attempt("ses_person", resetAt + 1, resetAt + 1, LIMITS).ok).toBe(true);
		expect(guard.attempt("ses_bot", resetAt + 2, resetAt + 2, LIMITS)).toMatchObject({
			ok: false,
			tier: "suspected",
		});
		expect(known()).toMatchObject({
			ses_bot: { everFlagged: true, attempted: true },
			ses_person: { everFlagged: false, attempted: true },
		});
	});
});
