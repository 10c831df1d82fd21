// What a drop's buyers do with their holds (cli/drop/acts.ts,
// docs/decisions/115-buyers-act-while-the-hold-lives.md): fates at the rates asked, a think time
// bounded by the hold's life, checkouts in flight bounded, and a stopped run that sends nothing
// more. Pure (a fake client, no server): here rather than in test/unit because acts.ts reaches
// Node-only modules, which the Worker tsconfig that types test/unit cannot.
import { describe, expect, it } from "vitest";
import {
	Acts,
	CLOCK_STEP_MIN_MS,
	chooseFate,
	HOLD_SHARE,
	IN_FLIGHT_MIN_LEFT_MS,
	lapseCause,
	MAX_CHECKOUT_CONCURRENCY,
	SHORT_GRANT_MS,
	THINK_MAX_MS,
	thinkMs,
} from "../../cli/drop/acts.ts";
import type { Answer, JsonClient } from "../../cli/drop/http.ts";
import { type DropOptions, parseOptions } from "../../cli/drop/options.ts";
import type { TallyHold } from "../../cli/drop/types.ts";
import { sleep } from "../../src/shared/sleep.ts";
import { seededRandom } from "../support/random.ts";

function options(args: string[]): DropOptions {
	const parsed = parseOptions(["--admin-token", "t", ...args], {});
	if (!parsed.ok) throw new Error(parsed.message);
	return parsed.options;
}

/** A hold answered just now, `leftMs` before it lapses. */
function hold(i: number, leftMs: number): TallyHold {
	return {
		reservationId: `rsv_${i}~S`,
		sessionId: `s${i}`,
		quantity: 1,
		expiresAt: new Date(Date.now() + leftMs).toISOString(),
		fate: "expire",
		expected: null,
		orderIds: [],
	};
}

const buyer = (i: number) => ({ sessionId: `s${i}`, token: `t${i}`, ip: null });

/**
 * A client whose checkouts answer `status` (200 with an order) when the test opens the gate, and
 * whose cancels answer `status` at once; counts what is in flight.
 */
function gatedClient(status = 200) {
	let inFlight = 0;
	let maxInFlight = 0;
	let sent = 0;
	let open = false;
	/** Reservation ids, in the order their checkouts went out. */
	const order: string[] = [];
	const waiters: (() => void)[] = [];
	const client = {
		retrying: async (_method: string, _path: string, opts: { body: { reservationId: string } }) => {
			sent++;
			order.push(opts.body.reservationId);
			inFlight++;
			maxInFlight = Math.max(maxInFlight, inFlight);
			if (!open) await new Promise<void>((r) => waiters.push(r));
			inFlight--;
			const id = opts.body.reservationId;
			if (status !== 200) return answerOf(status);
			return { status: 200, data: { orderId: `ord_${id}` }, latencyMs: 1 } as Answer<unknown>;
		},
		request: async () => {
			sent++;
			return answerOf(status);
		},
	} as unknown as JsonClient;
	return {
		client,
		stats: () => ({ inFlight, maxInFlight, sent, order }),
		release: () => {
			open = true;
			for (const w of waiters.splice(0)) w();
		},
	};
}

/** An answer of `status` without data: an error envelope for a refusal, nothing for no answer. */
function answerOf(status: number): Answer<unknown> {
	const code =
		status === 409
			? "invalid_state"
			: status === 410
				? "reservation_expired"
				: status === 429
					? "rate_limited"
					: "unavailable";
	const error = status === 0 || status === 200 ? null : { code, message: code };
	return { status, data: null, error, latencyMs: 1 } as unknown as Answer<unknown>;
}

/** Acts over `gate` with the run options `args` and the seed `seed`, never halted. */
function gatedActs(gate: ReturnType<typeof gatedClient>, args: string[], seed: number): Acts {
	return new Acts({
		client: gate.client,
		options: options(args),
		runId: "r",
		random: seededRandom(seed),
		halted: () => false,
	});
}

async function until(ok: () => boolean): Promise<void> {
	for (let i = 0; i < 400 && !ok(); i++) await sleep(10);
	expect(ok()).toBe(true);
}

describe("a hold's fate and think time", () => {
	it("draws fates at the rates the options say", () => {
		const o = options(["--checkout-rate", "0.5", "--decline-rate", "0.2", "--cancel-rate", "0.3"]);
		const random = seededRandom(1);
		const counts: Record<string, number> = {};
		const n = 20_000;
		for (let i = 0; i < n; i++) {
			const fate = chooseFate(o, random);
			counts[fate] = (counts[fate] ?? 0) + 1;
		}
		const share = (fate: string) => (counts[fate] ?? 0) / n;
		expect(share("declined")).toBeCloseTo(0.1, 1);
		expect(share("checkout")).toBeCloseTo(0.4, 1);
		expect(share("cancel")).toBeCloseTo(0.3, 1);
		expect(share("expire")).toBeCloseTo(0.2, 1);
	});

	it("thinks at most THINK_MAX_MS, and at most a share of the hold's life left", () => {
		const random = seededRandom(2);
		for (const leftMs of [-5, 0, 400, 6_000, 30_000, 600_000]) {
			const cap = Math.max(0, Math.min(THINK_MAX_MS, leftMs / HOLD_SHARE));
			for (let i = 0; i < 200; i++) {
				const ms = thinkMs(leftMs, random);
				expect(ms).toBeGreaterThanOrEqual(cap / 3);
				expect(ms).toBeLessThanOrEqual(cap);
			}
		}
	});
});

describe("why a checkout met a lapsed hold", () => {
	const timing = {
		leftAtGrantMs: 5_500,
		leftAtSendMs: 4_000,
		leftAtAnswerMs: -100,
		clockStepMs: 0,
	};
	it("on its way: sent with a second or more left, answered after the end", () => {
		expect(lapseCause(timing)).toBe("inFlight");
		expect(lapseCause({ ...timing, leftAtSendMs: IN_FLIGHT_MIN_LEFT_MS })).toBe("inFlight");
	});
	it("sent late: in the hold's last second, though the hold came with time to act", () => {
		expect(lapseCause({ ...timing, leftAtSendMs: IN_FLIGHT_MIN_LEFT_MS - 1 })).toBe("sentLate");
		expect(lapseCause({ ...timing, leftAtSendMs: 3 })).toBe("sentLate");
		// Sent with time left and answered before the end by the buyer's clock: not on its way.
		expect(lapseCause({ ...timing, leftAtAnswerMs: 50 })).toBe("sentLate");
	});
	it("granted short: the 201 came with under SHORT_GRANT_MS of the hold left", () => {
		const short = { ...timing, leftAtGrantMs: SHORT_GRANT_MS - 1, leftAtSendMs: 3 };
		expect(lapseCause(short)).toBe("grantedShort");
		expect(lapseCause({ ...short, leftAtGrantMs: SHORT_GRANT_MS })).toBe("sentLate");
	});
	it("clock stepped: sent on time by the monotonic clock, late by the wall clock that stepped", () => {
		const stepped = { ...timing, leftAtSendMs: 3, clockStepMs: 4_000 };
		expect(lapseCause(stepped)).toBe("clockStepped");
		// A step too small to have taken the send under a second, or a wobble, is not the cause.
		expect(lapseCause({ ...stepped, clockStepMs: IN_FLIGHT_MIN_LEFT_MS - 4 })).toBe("sentLate");
		expect(lapseCause({ ...stepped, leftAtSendMs: 950, clockStepMs: CLOCK_STEP_MIN_MS - 1 })).toBe(
			"sentLate",
		);
	});
});

describe("buyers acting on their holds", () => {
	it("keeps at most MAX_CHECKOUT_CONCURRENCY checkouts in flight, and each paid hold says PAID", async () => {
		const gate = gatedClient();
		const acts = gatedActs(
			gate,
			["--checkout-rate", "1", "--cancel-rate", "0", "--decline-rate", "0"],
			3,
		);
		const holds = Array.from({ length: MAX_CHECKOUT_CONCURRENCY + 36 }, (_, i) => hold(i, 2_000));
		const done = Promise.all(holds.map((h, i) => acts.take(h, buyer(i))));
		await until(() => gate.stats().inFlight === MAX_CHECKOUT_CONCURRENCY);
		// The others wait their turn; none goes out past the bound.
		await sleep(150);
		expect(gate.stats().maxInFlight).toBe(MAX_CHECKOUT_CONCURRENCY);
		expect(acts.figures.checkoutsDuringBurst).toBe(0);
		gate.release();
		await done;
		expect(acts.remaining).toBe(0);
		expect(holds.every((h) => h.fate === "checkout" && h.expected === "PAID")).toBe(true);
		expect(acts.figures.checkoutStatus).toEqual({ "200": holds.length });
		// The first 20 paid are sent again with the same key.
		expect(gate.stats().sent).toBe(holds.length + 20);
		expect(acts.figures.checkoutsDuringBurst).toBe(holds.length);
	});

	it("sends the newest waiting act first, and none whose hold lapsed while it waited", async () => {
		const gate = gatedClient();
		const acts = gatedActs(
			gate,
			["--checkout-rate", "1", "--cancel-rate", "0", "--decline-rate", "0"],
			6,
		);
		// Every place taken by holds that outlive the test.
		const long = Array.from({ length: MAX_CHECKOUT_CONCURRENCY }, (_, i) => hold(i, 60_000));
		const first = Promise.all(long.map((h, i) => acts.take(h, buyer(i))));
		await until(() => gate.stats().inFlight === MAX_CHECKOUT_CONCURRENCY);
		// Then a hold that lapses while it waits, and two that became due after it, one by one.
		const short = hold(100, 200);
		const older = hold(101, 60_000);
		const fresh = hold(102, 60_000);
		// Due with over a second of its life left, then lapsed waiting for a place.
		const queued = hold(103, 1_800);
		const waited = acts.take(short, buyer(100));
		const queuedTaken = acts.take(queued, buyer(103));
		await sleep(300);
		const taken = [acts.take(older, buyer(101))];
		await sleep(Math.min(THINK_MAX_MS, 60_000 / HOLD_SHARE) + 100);
		taken.push(acts.take(fresh, buyer(102)));
		await sleep(Math.min(THINK_MAX_MS, 60_000 / HOLD_SHARE) + 100);
		gate.release();
		await Promise.all([first, waited, queuedTaken, ...taken]);
		expect(older.expected).toBe("PAID");
		expect(fresh.expected).toBe("PAID");
		// Newest first: the one that became due last went out before the older one.
		const sentOrder = gate.stats().order;
		expect(sentOrder.indexOf(fresh.reservationId)).toBeLessThan(
			sentOrder.indexOf(older.reservationId),
		);
		// Not sent: its hold had lapsed when a place came; nobody touched it, so it expires.
		expect(short.expected).toBe("EXPIRED");
		expect(short.orderIds).toEqual([]);
		expect(queued.expected).toBe("EXPIRED");
		expect(acts.figures.lapsedInQueue).toBe(2);
		// Only the one due in its hold's last second was late by the buyer's doing.
		expect(acts.figures.lapsedInQueueDueLate).toBe(1);
		expect(gate.stats().sent).toBe(MAX_CHECKOUT_CONCURRENCY + 2 + 20);
	});

	it("sends nothing once stopped: the acts still thinking are dropped and settle at once", async () => {
		const gate = gatedClient();
		const acts = gatedActs(
			gate,
			["--checkout-rate", "0.5", "--cancel-rate", "0.5", "--decline-rate", "0"],
			4,
		);
		const holds = Array.from({ length: 10 }, (_, i) => hold(i, 2_000));
		const done = Promise.all(holds.map((h, i) => acts.take(h, buyer(i))));
		acts.stop();
		await done;
		expect(acts.remaining).toBe(0);
		expect(acts.figures.notActed).toBe(10);
		// Past the longest think time (a quarter of 2 s): still nothing sent.
		await sleep(600);
		expect(gate.stats().sent).toBe(0);
		expect(holds.every((h) => h.expected === null)).toBe(true);
	});

	it("counts a 410 by its cause, with the hold's life left when granted, sent and answered", async () => {
		const gate = gatedClient(410);
		gate.release();
		const acts = gatedActs(
			gate,
			["--checkout-rate", "1", "--cancel-rate", "0", "--decline-rate", "0"],
			8,
		);
		// Granted with 400 ms left: acted on within 100 ms, answered 410 at once.
		await acts.take(hold(0, 400), buyer(0));
		expect(acts.figures.lapsedCheckouts).toBe(1);
		expect(acts.figures.lapsedCauses).toEqual({
			inFlight: 0,
			grantedShort: 1,
			clockStepped: 0,
			sentLate: 0,
		});
		const [t] = acts.figures.lapsedTimings;
		expect(t?.leftAtGrantMs).toBeLessThanOrEqual(400);
		expect(t?.leftAtGrantMs).toBeGreaterThan(t?.leftAtSendMs ?? Infinity);
		expect(t?.leftAtSendMs).toBeGreaterThanOrEqual(t?.leftAtAnswerMs ?? Infinity);
		expect(Math.abs(t?.clockStepMs ?? Infinity)).toBeLessThan(CLOCK_STEP_MIN_MS);
		expect(acts.figures.checkoutStatus).toEqual({ "410": 1 });
	});

	it("counts the checkouts answered after the burst's end apart from those during it", async () => {
		const gate = gatedClient();
		gate.release();
		const acts = gatedActs(
			gate,
			["--checkout-rate", "1", "--cancel-rate", "0", "--decline-rate", "0"],
			5,
		);
		await acts.take(hold(0, 400), buyer(0));
		acts.burstEnded();
		await acts.take(hold(1, 400), buyer(1));
		expect(acts.figures.checkoutsDuringBurst).toBe(1);
		expect(acts.figures.checkoutStatus).toEqual({ "200": 2 });
	});

	it("counts as freed during the burst only what a release freed or may have: not a 409 or a 429", async () => {
		const freedAfter = async (status: number, args: string[]) => {
			const gate = gatedClient(status);
			gate.release();
			const acts = gatedActs(gate, args, 7);
			await acts.take(hold(0, 400), buyer(0));
			return acts.figures.freedUnitsDuringBurst;
		};
		const checkouts = ["--checkout-rate", "1", "--cancel-rate", "0", "--decline-rate", "0"];
		const cancels = ["--checkout-rate", "0", "--cancel-rate", "1", "--decline-rate", "0"];
		// Refused without touching the hold: nothing was released.
		expect(await freedAfter(409, checkouts)).toBe(0);
		expect(await freedAfter(429, checkouts)).toBe(0);
		expect(await freedAfter(409, cancels)).toBe(0);
		expect(await freedAfter(429, cancels)).toBe(0);
		// No answer or a 5xx: the release may have happened; a cancel answered 200 did.
		expect(await freedAfter(0, checkouts)).toBe(1);
		expect(await freedAfter(503, checkouts)).toBe(1);
		expect(await freedAfter(0, cancels)).toBe(1);
		expect(await freedAfter(200, cancels)).toBe(1);
	});
});
