// The waiting room's verifiable order (src/domain/waiting-room-shuffle.ts): the
// synchronous SHA-256 it draws from, the shuffle as a pure function of the seed and
// the ticket list, the commitment matching the seed, and the verifier's check of a
// room's audit trail (cli/verify-queue/check.ts).

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkQueueTrail } from "../../cli/verify-queue/check.ts";
import { counterDigests, sha256, sha256HexSync } from "../../src/domain/sha256.ts";
import { WaitingRoom } from "../../src/domain/waiting-room.ts";
import { commitmentOf, shuffleOrder } from "../../src/domain/waiting-room-shuffle.ts";
import { toAuditEvent } from "../../src/inventory/codec.ts";
import type { AuditEvent } from "../../src/shared/types.ts";
import { PROPERTY_TIMEOUT_MS } from "../support/property.ts";
import { roomStock, SEED_A, stockOf, T0 } from "../support/waiting-room.ts";

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

	it("agrees with node:crypto on bytes of any length, several blocks long", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
				expect(Buffer.from(sha256(bytes)).toString("hex")).toBe(
					createHash("sha256").update(bytes).digest("hex"),
				);
			}),
			{ numRuns: 300 },
		);
	});

	it("gives the digest of a prefix and a counter's digits from the prefix's kept state", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat()), (prefix, counters) => {
				const digest = counterDigests(prefix);
				const out = new Uint32Array(8);
				for (const counter of [0, 9, 10, ...counters, Number.MAX_SAFE_INTEGER]) {
					digest(counter, out);
					const expected = createHash("sha256").update(prefix).update(String(counter)).digest();
					expect([...out]).toEqual(
						Array.from({ length: 8 }, (_, i) => expected.readUInt32BE(i * 4)),
					);
				}
			}),
			{ numRuns: 300 },
		);
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

describe("the verifier's check (cli/verify-queue/check.ts)", () => {
	function drop(): AuditEvent[] {
		const inv = roomStock(4);
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = () => stockOf(inv);
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

	it("counts a room not started yet: its pre-queue is every ticket waiting for the shuffle", () => {
		const room = WaitingRoom.enable({ enabled: true, admitSeconds: 10, overbook: 0 }, SEED_A, T0);
		const stock = stockOf(roomStock(4));
		for (let i = 0; i < 3; i++) room.join(`s${i}`, `t${i}`, T0 + i, T0 + 10_000, stock);
		const trail = room.drain().events.map((e, i) => toAuditEvent("S", i + 1, e));
		const verdict = checkQueueTrail(trail, { seedCommitment: commitmentOf(SEED_A), seed: null });
		expect(verdict).toMatchObject({ ok: true, seed: null, tickets: 3, preQueue: 3, admissions: 0 });
	});
});
