// The waiting room's rules (src/domain/waiting-room.ts) driven together with the
// stock model (src/domain/inventory.ts) by random sequences of joins, reserves,
// cancels, payments and clock steps: the room never admits past the stock rule,
// admits in the shuffled-then-FIFO order, keeps one ticket per session, lets the
// next ticket in when an admission lapses or a hold comes back, and turns every
// waiting ticket sold_out once nothing can come back. The shuffle and the verifier
// are tested in waiting-room-shuffle.test.ts, the ETA in waiting-room-eta.test.ts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admissionBudget, type QueueTicket, WaitingRoom } from "../../src/domain/waiting-room.ts";
import { shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { roomCmdArb, roomStock, SEED_A, stockOf, T0 } from "../support/waiting-room.ts";

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
					cmds: fc.array(roomCmdArb(12), { minLength: 20, maxLength: 120 }),
				}),
				({ stock, overbook, admitSeconds, startsInMs, seed, cmds }) => {
					const startsAtMs = startsInMs === 0 ? null : T0 + startsInMs;
					const inv = roomStock(stock, startsAtMs, 20);
					const room = WaitingRoom.enable({ enabled: true, admitSeconds, overbook }, seed, T0);
					let now = T0;
					let holdSeq = 0;
					const holdIds: string[] = [];
					const ticketsBySession = new Map<number, string>();
					const admittedOrder: string[] = [];
					const soldOut = new Set<string>();
					const preQueue: QueueTicket[] = [];
					const postStart: QueueTicket[] = [];
					const stockView = () => stockOf(inv);
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
					expect(room.counts().tickets).toBe(ticketsBySession.size);
					expect(new Set(admittedOrder).size).toBe(admittedOrder.length);
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe("the room, by example", () => {
	it("keeps the pre-queue without positions, then shuffles it at the start and reveals the seed", () => {
		const inv = roomStock(1);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
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
		const inv = roomStock(1);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
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
		const inv = roomStock(1);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
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

	it("a hold recounted after a shard's restart uses the admission only when it is not older than it", () => {
		const inv = roomStock(2);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
		for (let i = 0; i < 3; i++) room.join(`s${i}`, `t${i}`, startsAt, startsAt, stock());
		room.advance(startsAt, startsAt, stock());
		const [x, y] = [0, 1, 2].filter((i) => room.isAdmitted(`s${i}`, startsAt)) as [number, number];
		// x held before its admission (a hold of an earlier drop, or from before the room was on):
		// no use. y held after it: its admission's claim ends, and the next ticket is in.
		room.markHeldSince(`s${x}`, startsAt - 1);
		room.markHeldSince(`s${y}`, startsAt + 5);
		room.markHeldSince("nobody", startsAt + 5);
		room.advance(startsAt + 6, startsAt, stock());
		expect(room.ticketOf(`s${x}`)?.usedAtMs).toBeNull();
		expect(room.ticketOf(`s${y}`)?.usedAtMs).toBe(startsAt + 5);
		expect(room.counts()).toMatchObject({ admitted: 3, waiting: 0 });
	});

	it("a started room whose start lies ahead again admits nobody until it (nothing can be bought)", () => {
		const inv = roomStock(3);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
		room.join("s0", "t0", T0, null, stock());
		expect(room.isAdmitted("s0", T0)).toBe(true);
		// The start moved ahead (a store written before the PATCH was refused, decision 087).
		const startsAt = T0 + 10_000;
		for (let i = 1; i < 4; i++) room.join(`s${i}`, `t${i}`, T0 + i, startsAt, stock());
		room.advance(T0 + 5_000, startsAt, stock());
		expect(room.counts()).toMatchObject({ admitted: 1, waiting: 3 });
		room.advance(startsAt, startsAt, stock());
		expect(room.counts()).toMatchObject({ admitted: 3, waiting: 1 });
	});

	it("a script with 100 sessions holds 100 tickets, and is admitted by the same rule as everyone", () => {
		const inv = roomStock(5);
		const startsAt = T0 + 10_000;
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 60, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
		for (let i = 0; i < 100; i++) room.join(`bot${i}`, `b${i}`, T0 + i, startsAt, stock());
		for (let i = 0; i < 10; i++) room.join(`human${i}`, `h${i}`, T0 + 200 + i, startsAt, stock());
		room.advance(startsAt, startsAt, stock());
		expect(room.counts().tickets).toBe(110);
		// Five units, no overbook: five admissions in all, whoever holds the tickets.
		expect(room.counts().admitted).toBe(5);
	});
});
