// The console's Live counters (src/web/console/counters-choice.ts): the newer of a live frame
// and a stats answer, so that they never step back, on a split SKU too.
import { describe, expect, it } from "vitest";
import type { Availability, Stats } from "../../src/shared/types.ts";
import { CountersChoice } from "../../src/web/console/counters-choice.ts";

const SKU = `CNT-${crypto.randomUUID().slice(0, 8)}`;
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

function frame(atMs: number, reserved: number): Availability {
	return {
		sku: SKU,
		total: 400,
		available: 400 - reserved,
		reserved,
		sold: 0,
		status: "live",
		asOf: new Date(atMs).toISOString(),
	};
}

function stats(atMs: number, reserved: number): Stats {
	return {
		sku: SKU,
		total: 400,
		available: 400 - reserved,
		reserved,
		sold: 0,
		oversellCount: 0,
		attempts: reserved,
		rejected: {},
		decisions: reserved,
		commits: reserved,
		edgeAnswered: 0,
		asOf: new Date(atMs).toISOString(),
	};
}

describe("the console's Live counters", () => {
	it("do not step back to a split SKU's frame merged before the stats answer shown", () => {
		const c = new CountersChoice();
		expect(c.frame(frame(T0, 300))).toBe(true);
		const asked = c.asking();
		// The stats read the shards at T0 + 600 (Reserved 320); the coordinator's merge sent
		// after it had asked them at T0 + 560 (Reserved 307).
		expect(c.stats(asked, stats(T0 + 600, 320))).toBe(true);
		expect(c.frame(frame(T0 + 560, 307))).toBe(false);
		// The next merge, begun after the stats read, shows.
		expect(c.frame(frame(T0 + 660, 330))).toBe(true);
	});

	it("keep a frame that arrived while the stats were asked (decision 069)", () => {
		const c = new CountersChoice();
		const asked = c.asking();
		expect(c.frame(frame(T0 + 100, 5))).toBe(true);
		expect(c.stats(asked, stats(T0 + 50, 4))).toBe(false);
		// Asked after that frame: shown, also while no frame comes (a socket down).
		expect(c.stats(c.asking(), stats(T0 + 1_000, 6))).toBe(true);
		expect(c.stats(c.asking(), stats(T0 + 2_000, 7))).toBe(true);
	});

	it("show a stats answer without asOf by the order alone", () => {
		const c = new CountersChoice();
		expect(c.frame(frame(T0, 1))).toBe(true);
		const { asOf: _, ...old } = stats(T0 + 500, 2);
		expect(c.stats(c.asking(), old as Stats)).toBe(true);
		expect(c.frame(frame(T0 + 600, 3))).toBe(true);
	});
});
