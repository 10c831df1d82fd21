// The waiting room's rules (src/domain/waiting-room.ts) driven together with the
// stock model (src/domain/inventory.ts) by random sequences of joins, reserves,
// cancels, payments and clock steps: the room never admits past the stock rule,
// admits in the shuffled-then-FIFO order, keeps one ticket per session, lets the
// next ticket in when an admission lapses or a hold comes back, and turns every
// waiting ticket sold_out once nothing can come back. The shuffle is a pure
// function of the seed and the ticket list, and the commitment matches the seed.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fairnessOf } from "../../cli/drop/fairness-figures.ts";
import { checkQueueTrail } from "../../cli/verify-queue/check.ts";
import { Inventory } from "../../src/domain/inventory.ts";
import { sha256HexSync } from "../../src/domain/sha256.ts";
import { admissionBudget, type QueueTicket, WaitingRoom } from "../../src/domain/waiting-room.ts";
import { estimateEta } from "../../src/domain/waiting-room-eta.ts";
import { commitmentOf, shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { toAuditEvent } from "../../src/inventory/codec.ts";
import type { AuditEvent, Ticket } from "../../src/shared/types.ts";
import {
	etaText,
	nextQueuePollMs,
	QUEUE_POLL_ERROR_MAX_MS,
	QUEUE_POLL_JITTER,
	QUEUE_POLL_MAX_MS,
	QUEUE_POLL_MIN_MS,
} from "../../src/web/storefront/queue-poll.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";

const T0 = Date.UTC(2026, 0, 1);
const SEED_A = "a".repeat(64);

describe("sha256 (pure, synchronous)", () => {
	it("agrees with node:crypto on every length around the block boundaries", () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 300 }), (s) => {
				expect(sha256HexSync(s)).toBe(createHash("sha256").update(s).digest("hex"));
			}),
			{ numRuns: 300 },
		);
		for (let n = 50; n < 140; n++) {
			const s = "x".repeat(n);
			expect(sha256HexSync(s)).toBe(createHash("sha256").update(s).digest("hex"));
		}
	});
});

describe("the shuffle", () => {
	it("is a pure function of the seed and the list, and a permutation of it", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.stringMatching(/^[0-9a-f]{64}$/),
				fc.uniqueArray(fc.nat(), { maxLength: 60 }),
				(seed, items) => {
					const a = shuffleOrder(items, seed);
					expect(shuffleOrder(items, seed)).toEqual(a);
					expect([...a].sort((x, y) => x - y)).toEqual([...items].sort((x, y) => x - y));
				},
			),
			{ numRuns: 200 },
		);
	});

	it("the commitment is the SHA-256 of the seed's hex text", () => {
		expect(commitmentOf(SEED_A)).toBe(createHash("sha256").update(SEED_A).digest("hex"));
	});

	it("puts every order of three tickets about equally often over 6000 seeds", () => {
		const counts = new Map<string, number>();
		for (let i = 0; i < 6000; i++) {
			const seed = createHash("sha256").update(`seed-${i}`).digest("hex");
			const key = shuffleOrder(["a", "b", "c"], seed).join("");
			counts.set(key, (counts.get(key) ?? 0) + 1);
		}
		expect(counts.size).toBe(6);
		for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
	});
});

describe("the ETA estimator", () => {
	it("is null with nothing measured, and its range holds the estimate", () => {
		expect(estimateEta(5, 0, 60_000)).toBeNull();
		const e = estimateEta(30, 60, 60_000);
		expect(e?.etaSeconds).toBe(30);
		expect(e?.lowSeconds).toBeLessThanOrEqual(30);
		expect(e?.highSeconds).toBeGreaterThanOrEqual(30);
		// Fewer admissions measured: a wider range.
		const unsure = estimateEta(30, 4, 8_000);
		expect((unsure?.highSeconds ?? 0) / (unsure?.lowSeconds ?? 1)).toBeGreaterThan(
			(e?.highSeconds ?? 0) / Math.max(1, e?.lowSeconds ?? 1),
		);
	});
});

type Cmd =
	| { kind: "join"; session: number }
	| { kind: "reserve"; session: number; quantity: number }
	| { kind: "cancel"; pick: number }
	| { kind: "pay"; pick: number }
	| { kind: "wait"; ms: number };

const cmdArb = (sessions: number): fc.Arbitrary<Cmd> =>
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record({
				kind: fc.constant("join" as const),
				session: fc.nat({ max: sessions - 1 }),
			}),
		},
		{
			weight: 4,
			arbitrary: fc.record({
				kind: fc.constant("reserve" as const),
				session: fc.nat({ max: sessions - 1 }),
				quantity: fc.integer({ min: 1, max: 2 }),
			}),
		},
		{ weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
		{ weight: 1, arbitrary: fc.record({ kind: fc.constant("pay" as const), pick: fc.nat() }) },
		{
			weight: 2,
			arbitrary: fc.record({
				kind: fc.constant("wait" as const),
				ms: fc.integer({ min: 100, max: 40_000 }),
			}),
		},
	);

describe("the room against the stock (property)", () => {
	it("admits within the stock rule, in shuffle-then-FIFO order, one ticket per session; sold out is final", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				fc.record({
					stock: fc.integer({ min: 0, max: 8 }),
					overbook: fc.constantFrom(0, 0.1, 0.5, 1),
					admitSeconds: fc.constantFrom(10, 30),
					startsInMs: fc.constantFrom(0, 20_000),
					seed: fc.stringMatching(/^[0-9a-f]{64}$/),
					cmds: fc.array(cmdArb(12), { minLength: 20, maxLength: 120 }),
				}),
				({ stock, overbook, admitSeconds, startsInMs, seed, cmds }) => {
					const startsAtMs = startsInMs === 0 ? null : T0 + startsInMs;
					const inv = Inventory.create(
						{
							sku: "S",
							name: "n",
							priceCents: 1,
							currency: "USD",
							totalStock: stock,
							holdSeconds: 20,
							perUserLimit: 2,
							startsAtMs,
						},
						T0,
					);
					const room = WaitingRoom.enable({ enabled: true, admitSeconds, overbook }, seed, T0);
					let now = T0;
					let holdSeq = 0;
					const holdIds: string[] = [];
					const ticketsBySession = new Map<number, string>();
					const admittedOrder: string[] = [];
					const soldOut = new Set<string>();
					const preQueue: QueueTicket[] = [];
					const postStart: QueueTicket[] = [];
					const stockView = () => ({
						available: inv.counters().available,
						returnable: inv.reserved,
					});
					const move = () => {
						inv.expireDue(now);
						room.advance(now, startsAtMs, stockView());
					};
					for (const cmd of cmds) {
						move();
						if (cmd.kind === "join") {
							const joined = room.join(
								`s${cmd.session}`,
								`t${cmd.session}`,
								now,
								startsAtMs,
								stockView(),
							);
							if (!joined.ok) throw new Error("queue full");
							const known = ticketsBySession.get(cmd.session);
							if (known !== undefined) {
								expect(joined.created).toBe(false);
								expect(joined.ticket.ticketId).toBe(known);
							} else {
								expect(joined.created).toBe(true);
								ticketsBySession.set(cmd.session, joined.ticket.ticketId);
								(joined.ticket.rank === null ? preQueue : postStart).push(joined.ticket);
							}
						} else if (cmd.kind === "reserve") {
							const session = `s${cmd.session}`;
							// The reserve gate: only an admitted session reaches the stock.
							if (room.isAdmitted(session, now)) {
								const out = inv.reserve({
									id: `h${holdSeq++}`,
									sessionId: session,
									quantity: cmd.quantity,
									idempotencyKey: null,
									nowMs: now,
								});
								if (out.ok) {
									room.markUsed(session, now);
									holdIds.push(out.hold.id);
								}
							}
						} else if (cmd.kind === "cancel" || cmd.kind === "pay") {
							const live = holdIds.filter((id) => inv.activeHold(id)?.status === "RESERVED");
							const picked = live[cmd.pick % Math.max(1, live.length)];
							const hold = picked === undefined ? undefined : inv.activeHold(picked);
							if (hold !== undefined && inv.activeHold(hold.id) !== undefined) {
								if (cmd.kind === "cancel") inv.cancel(hold, now);
								else {
									inv.beginCheckout(hold.id, now, now + 5000);
									inv.completeCheckout(hold.id, `o${hold.id}`, now);
								}
							}
						} else {
							now += cmd.ms;
						}
						move();
						const { events } = room.drain();
						let admittedNow = 0;
						for (const e of events) {
							if (e.type === "queue.admitted") {
								admittedNow += 1;
								admittedOrder.push(String(e.detail?.ticketId));
							}
						}
						// The stock rule, checked right after every step that admitted.
						if (admittedNow > 0) {
							expect(room.unusedAdmissions()).toBeLessThanOrEqual(
								admissionBudget(inv.counters().available, overbook),
							);
						}
						// Sold out is final and immediate: nothing left to come back → nobody waits.
						if (inv.counters().available === 0 && inv.reserved === 0) {
							expect(room.counts().waiting).toBe(0);
						}
						for (const t of [...preQueue, ...postStart])
							if (t.state === "sold_out") soldOut.add(t.ticketId);
						// Nobody is admitted without stock behind it.
						if (stock === 0) expect(admittedOrder).toEqual([]);
					}
					// Admission order = shuffle(pre-queue in arrival order) then arrivals after the start,
					// skipping only tickets that were turned sold_out.
					const expected = [
						...shuffleOrder(
							preQueue.map((t) => t.ticketId),
							seed,
						),
						...postStart.map((t) => t.ticketId),
					].filter((id) => !soldOut.has(id));
					expect(admittedOrder).toEqual(expected.slice(0, admittedOrder.length));
					console.log(
						"admitted",
						admittedOrder.length,
						"soldout",
						soldOut.size,
						"pre",
						preQueue.length,
					);
					expect(room.counts().tickets).toBe(ticketsBySession.size);
					expect(new Set(admittedOrder).size).toBe(admittedOrder.length);
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe("the room, by example", () => {
	const product = (totalStock: number) =>
		Inventory.create(
			{
				sku: "S",
				name: "n",
				priceCents: 1,
				currency: "USD",
				totalStock,
				holdSeconds: 30,
				perUserLimit: 2,
				startsAtMs: T0 + 10_000,
			},
			T0,
		);

	it("keeps the pre-queue without positions, then shuffles it at the start and reveals the seed", () => {
		const inv = product(1);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => ({ available: inv.counters().available, returnable: inv.reserved });
		for (let i = 0; i < 5; i++) room.join(`s${i}`, `t${i}`, T0 + i, T0 + 10_000, stock());
		expect(room.revealedSeed()).toBeNull();
		expect(room.position(room.ticketOf("s0") as QueueTicket)).toBeNull();
		room.advance(T0 + 10_000, T0 + 10_000, stock());
		expect(room.revealedSeed()).toBe(SEED_A);
		const order = shuffleOrder(["t0", "t1", "t2", "t3", "t4"], SEED_A);
		const first = [...Array(5).keys()]
			.map((i) => room.ticketOf(`s${i}`) as QueueTicket)
			.find((t) => t.state === "admitted");
		expect(first?.ticketId).toBe(order[0]);
		// A late arrival queues behind everyone.
		const late = room.join("late", "tl", T0 + 11_000, T0 + 10_000, stock());
		expect(late.ok && room.position(late.ticket)).toBe(5);
	});

	it("a lapsed admission and a returned hold each let the next ticket in", () => {
		const inv = product(1);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => ({ available: inv.counters().available, returnable: inv.reserved });
		let now = startsAt;
		for (let i = 0; i < 3; i++) room.join(`s${i}`, `t${i}`, now, startsAt, stock());
		const admitted = () => [0, 1, 2].filter((i) => room.isAdmitted(`s${i}`, now));
		expect(admitted()).toHaveLength(1);
		const first = admitted()[0] as number;
		// Lapses: the next one is in.
		now += 10_000;
		room.advance(now, startsAt, stock());
		expect(room.lapsed).toBe(1);
		expect(admitted()).toHaveLength(1);
		const second = admitted()[0] as number;
		expect(second).not.toBe(first);
		// It reserves the only unit: nobody else is admitted while the hold lasts.
		const hold = inv.reserve({
			id: "h1",
			sessionId: `s${second}`,
			quantity: 1,
			idempotencyKey: null,
			nowMs: now,
		});
		expect(hold.ok).toBe(true);
		room.markUsed(`s${second}`, now);
		room.advance(now, startsAt, stock());
		expect(room.counts().waiting).toBe(1);
		// The hold is cancelled: the unit is back and the last ticket is in.
		if (hold.ok) inv.cancel(hold.hold, now + 1);
		room.advance(now + 1, startsAt, stock());
		expect(room.counts().waiting).toBe(0);
		expect(room.admittedTotal).toBe(3);
	});

	it("turns every waiting ticket sold_out the moment nothing can come back", () => {
		const inv = product(1);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => ({ available: inv.counters().available, returnable: inv.reserved });
		for (let i = 0; i < 4; i++) room.join(`s${i}`, `t${i}`, startsAt, startsAt, stock());
		const buyer = [0, 1, 2, 3].find((i) => room.isAdmitted(`s${i}`, startsAt)) as number;
		const hold = inv.reserve({
			id: "h",
			sessionId: `s${buyer}`,
			quantity: 1,
			idempotencyKey: null,
			nowMs: startsAt,
		});
		room.markUsed(`s${buyer}`, startsAt);
		room.advance(startsAt, startsAt, stock());
		// A hold could still come back: the others wait.
		expect(room.counts().waiting).toBe(3);
		if (hold.ok) {
			inv.beginCheckout(hold.hold.id, startsAt, startsAt + 1000);
			inv.completeCheckout(hold.hold.id, "o", startsAt);
		}
		room.advance(startsAt, startsAt, stock());
		expect(room.counts().waiting).toBe(0);
		expect(room.soldOutTickets).toBe(3);
		const late = room.join("late", "tl", startsAt + 1, startsAt, stock());
		expect(late.ok && late.ticket.state).toBe("sold_out");
	});

	it("a script with 100 sessions holds 100 tickets, and is admitted by the same rule as everyone", () => {
		const inv = product(5);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => ({ available: inv.counters().available, returnable: inv.reserved });
		for (let i = 0; i < 100; i++) room.join(`bot${i}`, `b${i}`, T0 + i, startsAt, stock());
		for (let i = 0; i < 10; i++) room.join(`human${i}`, `h${i}`, T0 + 200 + i, startsAt, stock());
		room.advance(startsAt, startsAt, stock());
		expect(room.counts().tickets).toBe(110);
		// Five units, no overbook: five admissions in all, whoever holds the tickets.
		expect(room.counts().admitted).toBe(5);
	});
});

describe("the verifier's check (cli/verify-queue/check.ts)", () => {
	function drop(): AuditEvent[] {
		const inv = Inventory.create(
			{
				sku: "S",
				name: "n",
				priceCents: 1,
				currency: "USD",
				totalStock: 4,
				holdSeconds: 30,
				perUserLimit: 2,
				startsAtMs: T0 + 10_000,
			},
			T0,
		);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => ({ available: inv.counters().available, returnable: inv.reserved });
		for (let i = 0; i < 12; i++) room.join(`s${i}`, `t${i}`, T0 + i, T0 + 10_000, stock());
		room.advance(T0 + 10_000, T0 + 10_000, stock());
		for (let i = 12; i < 15; i++) room.join(`s${i}`, `t${i}`, T0 + 10_001, T0 + 10_000, stock());
		// Admissions lapse twice over: everyone gets in, in order.
		room.advance(T0 + 20_000, T0 + 10_000, stock());
		room.advance(T0 + 30_000, T0 + 10_000, stock());
		room.advance(T0 + 40_000, T0 + 10_000, stock());
		return room.drain().events.map((e, i) => toAuditEvent("S", i + 1, e));
	}

	it("verifies the room's own trail, and finds a swapped admission or another seed", () => {
		const trail = drop();
		const commitment = commitmentOf(SEED_A);
		const good = checkQueueTrail(trail, { seedCommitment: commitment, seed: SEED_A });
		expect(good.problems).toEqual([]);
		expect(good).toMatchObject({ ok: true, tickets: 15, preQueue: 12, admissions: 15 });

		const admissions = trail.filter((e) => e.type === "queue.admitted");
		const [x, y] = [admissions[1], admissions[2]];
		const swapped = trail.map((e) =>
			e === x
				? { ...e, detail: { ...e.detail, ticketId: y?.detail?.ticketId } }
				: e === y
					? { ...e, detail: { ...e.detail, ticketId: x?.detail?.ticketId } }
					: e,
		);
		expect(checkQueueTrail(swapped, null).ok).toBe(false);

		const otherSeed = trail.map((e) =>
			e.type === "queue.started" ? { ...e, detail: { ...e.detail, seed: "b".repeat(64) } } : e,
		);
		const bad = checkQueueTrail(otherSeed, null);
		expect(bad.ok).toBe(false);
		expect(bad.problems.join(" ")).toContain("commitment");
	});
});

describe("the waiting page's polling (src/web/storefront/queue-poll.ts)", () => {
	const ticket = (fields: Partial<Ticket>): Ticket => ({
		ticketId: "t",
		sku: "S",
		state: "waiting",
		position: 3,
		etaSeconds: 40,
		etaRangeSeconds: { low: 30, high: 50 },
		admittedUntil: null,
		joinedAt: new Date(T0).toISOString(),
		...fields,
	});

	it("follows the ETA within bounds, spreads every delay, backs off on failures, stops when final", () => {
		fc.assert(
			fc.property(
				fc.double({ min: 0, max: 0.999, noNaN: true }),
				fc.nat({ max: 12 }),
				(r, failures) => {
					const d = nextQueuePollMs(ticket({}), failures, null, r) as number;
					const bound = failures === 0 ? QUEUE_POLL_MAX_MS : QUEUE_POLL_ERROR_MAX_MS;
					expect(d).toBeGreaterThanOrEqual(QUEUE_POLL_MIN_MS * (1 - QUEUE_POLL_JITTER) - 1);
					expect(d).toBeLessThanOrEqual(bound * (1 + QUEUE_POLL_JITTER) + 1);
				},
			),
			{ numRuns: 200 },
		);
		// Two tabs with different random draws do not ask at the same moment.
		expect(nextQueuePollMs(ticket({}), 0, null, 0.1)).not.toBe(
			nextQueuePollMs(ticket({}), 0, null, 0.9),
		);
		expect(nextQueuePollMs(ticket({}), 3, null, 0.5)).toBeGreaterThan(
			nextQueuePollMs(ticket({}), 1, null, 0.5) as number,
		);
		for (const state of ["admitted", "sold_out", "expired"] as const)
			expect(nextQueuePollMs(ticket({ state }), 0, null, 0.5)).toBeNull();
		// The pre-queue waits for the start, then spreads its first polls.
		expect(nextQueuePollMs(ticket({ position: null }), 0, 60_000, 0.5)).toBeGreaterThanOrEqual(
			60_000,
		);
		expect(etaText(ticket({ etaSeconds: 40, etaRangeSeconds: { low: 20, high: 90 } }))).toBe(
			"about 20 s to 2 min",
		);
		expect(etaText(ticket({ etaSeconds: 40, etaRangeSeconds: { low: 35, high: 45 } }))).toBe(
			"about 40 s",
		);
	});
});

describe("the fairness figures (cli/drop/fairness-figures.ts)", () => {
	it("share of demand and of units, their ratio, and Jain's index over the humans", () => {
		const units = [
			{ human: true, units: 1 },
			{ human: true, units: 1 },
			{ human: true, units: 0 },
			{ human: true, units: 0 },
			{ human: false, units: 1 },
			{ human: false, units: 1 },
			{ human: false, units: 0 },
			{ human: false, units: 0 },
		];
		expect(fairnessOf(units)).toEqual({
			humanShareOfDemand: 0.5,
			humanShareOfUnits: 0.5,
			humanShareRatio: 1,
			jainIndex: 0.5,
		});
		expect(
			fairnessOf([
				{ human: true, units: 2 },
				{ human: true, units: 2 },
				{ human: false, units: 4 },
			]).jainIndex,
		).toBe(1);
		expect(
			fairnessOf([
				{ human: true, units: 0 },
				{ human: false, units: 3 },
			]).humanShareRatio,
		).toBe(0);
	});
});
