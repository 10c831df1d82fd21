// The fairness report (cli/drop/fairness-report.ts): its first line is the verdict, as the plain
// drop's summary's is; its ETA line in a run in which no human saw an estimate prints no share
// (a "0 %" would read as a measured miss); one in which some did prints it.
import { describe, expect, it } from "vitest";
import { fairnessLines } from "../../cli/drop/fairness-report.ts";
import type { FairnessRun } from "../../cli/drop/fairness-truth.ts";

function run(eta: FairnessRun["eta"], more: Partial<FairnessRun> = {}): FairnessRun {
	return {
		sku: "FAIR-1",
		room: true,
		overbook: 1,
		humans: 10,
		scriptSessions: 90,
		scripts: 9,
		unitsSold: 20,
		stock: 20,
		fairness: {
			humanShareOfDemand: 0.1,
			humanShareOfUnits: 0.1,
			humanShareRatio: 1,
			jainIndex: 1,
		},
		unitsPerScript: 0.2,
		unitsPerHuman: 0.2,
		oversell: 0,
		preQueue: null,
		admittedWithoutUnit: null,
		admissions: null,
		eta,
		serverView: null,
		verified: true,
		problems: [],
		...more,
	} as unknown as FairnessRun;
}

const etaLine = (r: FairnessRun) => fairnessLines([r]).find((l) => l.includes("ETA:"));

describe("the fairness report's ETA line", () => {
	it("says no estimate was shown when no human saw one", () => {
		const line = etaLine(run({ samples: 0, medianAbsErrorSeconds: null, withinRange: null }));
		expect(line).toContain("0 humans saw one");
		expect(line).not.toMatch(/\b0 %/);
		expect(line).toContain("wait within the shown range (± one look): - (no estimate shown)");
	});

	it("prints the share when humans saw one", () => {
		const line = etaLine(run({ samples: 4, medianAbsErrorSeconds: 3, withinRange: 0.75 }));
		expect(line).toContain("wait within the shown range (± one look): 75 %");
	});
});

describe("the fairness report's verdict", () => {
	const noEta = { samples: 0, medianAbsErrorSeconds: null, withinRange: null };

	it("opens the report with VERIFIED when every run is, naming the runs' SKUs", () => {
		const lines = fairnessLines([run(noEta), run(null, { sku: "FAIR-2", room: false })]);
		expect(lines[0]).toBe("fairness drop FAIR-1 (room on), FAIR-2 (room off): VERIFIED");
	});

	it("says NOT VERIFIED when a run is not, its problem below", () => {
		const bad = run(null, {
			sku: "FAIR-2",
			room: false,
			verified: false,
			problems: ["sold 21 units of 20"],
		});
		const lines = fairnessLines([run(noEta), bad]);
		expect(lines[0]).toBe("fairness drop FAIR-1 (room on), FAIR-2 (room off): NOT VERIFIED");
		expect(lines).toContain("       problem: sold 21 units of 20");
	});
});
