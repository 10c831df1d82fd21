// Property tests of the pure stock rules (docs/architecture.md, "Invariants"): random
// sequences of operations against `Inventory`, driven the way the Durable
// Object drives it (drain after every step into "storage" and an audit trail,
// restart from storage), and compared step by step with a naive model.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_QUANTITY } from "../../src/domain/bounds.ts";
import {
	type DomainEvent,
	type Hold,
	Inventory,
	type InventorySnapshot,
	isActive,
	type ProductConfig,
} from "../../src/domain/inventory.ts";
import { replay } from "../../src/domain/replay.ts";
import type { EventType } from "../../src/shared/types.ts";
import { productConfigArb } from "../support/arbitraries.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { ACTIVE, Model } from "./domain-model.ts";

const T0 = Date.UTC(2026, 0, 1);
const SESSIONS = 5;
const TERMINAL_EVENTS: ReadonlySet<EventType> = new Set([
	"reservation.cancelled",
	"reservation.expired",
	"payment.failed",
	"order.created",
]);

type Op =
	| { kind: "reserve"; session: number; quantity: number; key: string | null }
	| { kind: "cancel" | "begin" | "complete" | "fail" | "reopen"; pick: number }
	| { kind: "advance"; ms: number }
	| { kind: "stock"; total: number }
	| { kind: "reset" }
	| { kind: "restart" };

const pick = fc.nat({ max: 1000 });
const op: fc.Arbitrary<Op> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("reserve" as const),
			session: fc.nat({ max: SESSIONS - 1 }),
			quantity: fc.integer({ min: 1, max: MAX_QUANTITY }),
			key: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null }),
		}),
	},
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("begin" as const), pick }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("complete" as const), pick }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("fail" as const), pick }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const), pick }) },
	{
		weight: 3,
		arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.nat({ max: 8000 }) }),
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant("stock" as const), total: fc.nat({ max: 60 }) }),
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const) }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

const product = productConfigArb({
	sku: "SKU-1",
	name: "Test",
	maxStock: 40,
	maxHoldSeconds: 5,
	t0Ms: T0,
	startsWithinMs: 4000,
});

/** The object's side of the contract: storage rows, the outbox trail, restarts. */
class Harness {
	inv: Inventory;
	nowMs = T0;
	readonly storage = new Map<string, Hold>();
	readonly trail: DomainEvent[] = [];
	readonly model: Model;
	private nextId = 0;

	constructor(config: ProductConfig) {
		this.inv = Inventory.create(config, this.nowMs);
		this.model = new Model(
			config.totalStock,
			config.holdSeconds,
			config.perUserLimit,
			config.startsAtMs,
		);
		this.drain();
	}

	drain(): void {
		const { holds, events } = this.inv.drain();
		for (const h of holds) this.storage.set(h.id, structuredClone(h));
		this.trail.push(...events);
	}

	/** The n-th hold the model knows, wrapping around; undefined when there is none. */
	chosen(n: number): string | undefined {
		const holds = this.model.holds;
		return holds.length === 0 ? undefined : holds[n % holds.length]?.id;
	}

	apply(o: Op): void {
		const { inv, model } = this;
		switch (o.kind) {
			case "reserve": {
				const id = `h${this.nextId++}`;
				const sessionId = `s${o.session}`;
				const expected = model.reserve(id, sessionId, o.quantity, this.nowMs);
				const out = inv.reserve({
					id,
					sessionId,
					quantity: o.quantity,
					idempotencyKey: o.key,
					nowMs: this.nowMs,
				});
				if (expected === null) {
					expect(out.ok).toBe(true);
					if (out.ok) {
						expect(out.hold).toMatchObject({
							id,
							sessionId,
							quantity: o.quantity,
							idempotencyKey: o.key,
						});
						// A full hold, or no later than a released hold's time (domain/hold-cooldown.ts).
						expect(out.hold.expiresAtMs).toBe(model.find(id)?.expiresAtMs);
						expect(out.hold.expiresAtMs).toBeLessThanOrEqual(
							this.nowMs + inv.product.holdSeconds * 1000,
						);
					}
				} else
					expect(out).toEqual(
						typeof expected === "string"
							? { ok: false, code: expected }
							: { ok: false, ...expected },
					);
				break;
			}
			case "cancel": {
				const id = this.chosen(o.pick);
				if (id === undefined) return;
				// As the object does: the live hold if active, else the stored row.
				const hold = inv.activeHold(id) ?? structuredClone(this.storage.get(id) as Hold);
				model.expire(this.nowMs);
				const expected = model.move(id, "RESERVED", "CANCELLED", this.nowMs);
				expect(inv.cancel(hold, this.nowMs).ok).toBe(expected);
				break;
			}
			case "begin": {
				const id = this.chosen(o.pick);
				if (id === undefined) return;
				model.expire(this.nowMs);
				const expected = model.move(id, "RESERVED", "CHECKOUT_PENDING", this.nowMs);
				expect(inv.beginCheckout(id, this.nowMs, this.nowMs + 30_000).ok).toBe(expected);
				break;
			}
			case "complete": {
				const id = this.chosen(o.pick);
				if (id === undefined) return;
				const expected = model.move(id, "CHECKOUT_PENDING", "PAID", this.nowMs);
				expect(inv.completeCheckout(id, `o-${id}`, this.nowMs).ok).toBe(expected);
				break;
			}
			case "fail": {
				const id = this.chosen(o.pick);
				if (id === undefined) return;
				const expected = model.move(id, "CHECKOUT_PENDING", "PAYMENT_FAILED", this.nowMs);
				expect(inv.failCheckout(id, this.nowMs, "declined").ok).toBe(expected);
				break;
			}
			case "reopen": {
				// A payment that took nothing: the hold is the buyer's again until its own expiry.
				const id = this.chosen(o.pick);
				if (id === undefined) return;
				const h = model.find(id);
				const expected =
					h !== undefined &&
					h.expiresAtMs > this.nowMs &&
					model.move(id, "CHECKOUT_PENDING", "RESERVED", this.nowMs);
				expect(inv.reopenCheckout(id, this.nowMs, { reason: "declined" }).ok).toBe(expected);
				break;
			}
			case "advance": {
				this.nowMs += o.ms;
				expect(inv.expireDue(this.nowMs)).toBe(model.expire(this.nowMs));
				break;
			}
			case "stock": {
				const expected = model.setTotal(o.total);
				expect(inv.update({ totalStock: o.total }, this.nowMs).ok).toBe(expected);
				break;
			}
			case "reset": {
				model.reset();
				inv.reset(this.nowMs);
				// The object deletes every hold row with the reset but the paid ones.
				for (const [id, h] of this.storage) if (h.status !== "PAID") this.storage.delete(id);
				break;
			}
			case "restart": {
				this.restart();
				break;
			}
		}
		this.drain();
	}

	/** What InventoryObject.load() does after a crash: snapshot + stored holds only. */
	private restart(): void {
		const snapshot = JSON.parse(JSON.stringify(this.inv.snapshot())) as InventorySnapshot;
		const rows = [...this.storage.values()].map((h) => structuredClone(h));
		const usage = new Map<string, number>();
		// As records.ts loadState: each session's latest expiresAt among its unpaid-ended holds,
		// and among its paid ones.
		const endedUnpaid = new Map<string, number>();
		const paidLately = new Map<string, number>();
		const latest = (map: Map<string, number>, h: Hold) =>
			map.set(h.sessionId, Math.max(map.get(h.sessionId) ?? 0, h.expiresAtMs));
		for (const h of rows) {
			if (isActive(h.status) || h.status === "PAID")
				usage.set(h.sessionId, (usage.get(h.sessionId) ?? 0) + h.quantity);
			if (h.status === "PAID") latest(paidLately, h);
			else if (!isActive(h.status)) latest(endedUnpaid, h);
		}
		this.inv = new Inventory(
			snapshot,
			rows.filter((h) => isActive(h.status)),
			usage,
			endedUnpaid,
			paidLately,
		);
		this.model.restarted();
	}

	check(): void {
		const { inv, model } = this;
		const c = inv.counters();
		// Invariant 1. available is total − reserved − sold by construction, so the check is the
		// model's (below), which counts the units itself.
		expect(c.available).toBeGreaterThanOrEqual(0);
		expect(c).toEqual({
			total: model.total,
			available: model.total - model.reserved - model.sold,
			reserved: model.reserved,
			sold: model.sold,
		});
		expect(inv.attempts).toBe(model.attempts);
		expect(inv.rejected).toEqual(model.rejected);
		// The purchase limit counts held and bought units.
		for (let s = 0; s < SESSIONS; s++) {
			const usage = inv.usageOf(`s${s}`);
			expect(usage).toBe(model.usage(`s${s}`));
			expect(usage).toBeLessThanOrEqual(inv.product.perUserLimit);
			// The session's holds that still stand, as its own read lists them (decision 122).
			const live = inv.liveHoldsOf(`s${s}`).map((h) => `${h.id}:${h.status}`);
			const standing = model.holds
				.filter((h) => h.sessionId === `s${s}` && ACTIVE.has(h.status))
				.map((h) => `${h.id}:${h.status}`);
			expect([...live].sort()).toEqual(standing.sort());
		}
		// Invariant 2: one state per hold, the same in memory and in storage;
		// one creation event, and exactly one terminal event once it has ended.
		const created = new Map<string, number>();
		const ended = new Map<string, DomainEvent[]>();
		for (const e of this.trail) {
			if (e.reservationId === undefined) continue;
			if (e.type === "reservation.created")
				created.set(e.reservationId, (created.get(e.reservationId) ?? 0) + 1);
			if (TERMINAL_EVENTS.has(e.type))
				ended.set(e.reservationId, [...(ended.get(e.reservationId) ?? []), e]);
		}
		expect(inv.activeCount()).toBe(model.holds.filter((h) => ACTIVE.has(h.status)).length);
		for (const h of model.holds) {
			const active = inv.activeHold(h.id);
			expect(active?.status).toBe(ACTIVE.has(h.status) ? h.status : undefined);
			expect(this.storage.get(h.id)?.status).toBe(h.status);
			expect(created.get(h.id)).toBe(1);
			const terminal = ended.get(h.id) ?? [];
			expect(terminal.length).toBe(ACTIVE.has(h.status) ? 0 : 1);
			for (const e of terminal)
				expect(e).toMatchObject({ quantity: h.quantity, sessionId: h.sessionId });
		}
		// Invariant 5: the trail alone reproduces the counters.
		expect(replay(this.trail)).toEqual(c);
		// The alarm is never later than the first RESERVED hold's expiry.
		const due = model.holds.filter((h) => h.status === "RESERVED").map((h) => h.expiresAtMs);
		if (due.length > 0) expect(inv.nextDeadlineMs()).toBeLessThanOrEqual(Math.min(...due));
	}
}

describe("Inventory under random operation sequences", () => {
	it("keeps every invariant after every step and agrees with the model", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(product, fc.array(op, { maxLength: 120, size: "max" }), (config, ops) => {
				const h = new Harness(config);
				h.check();
				for (const o of ops) {
					h.apply(o);
					h.check();
				}
			}),
			{ numRuns: 300 },
		);
	});

	it("never shows a RESERVED hold after its expiresAt once time is read", {
		timeout: PROPERTY_TIMEOUT_MS,
	}, () => {
		fc.assert(
			fc.property(
				product,
				fc.array(op, { maxLength: 60, size: "max" }),
				fc.nat({ max: 10_000 }),
				(config, ops, lateMs) => {
					const h = new Harness(config);
					for (const o of ops) h.apply(o);
					const now = h.nowMs + lateMs;
					h.inv.expireDue(now);
					for (const hold of h.model.holds) {
						const active = h.inv.activeHold(hold.id);
						if (active?.status === "RESERVED") expect(active.expiresAtMs).toBeGreaterThan(now);
					}
				},
			),
			{ numRuns: 200 },
		);
	});
});
