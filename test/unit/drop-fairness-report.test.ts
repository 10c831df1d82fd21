// The fairness report's ETA line (cli/drop/fairness-report.ts): a run in which no human saw an
// estimate prints no share (a "0 %" would read as a measured miss); one in which some did prints it.
import { describe, expect, it } from "vitest";
import { fairnessLines } from "../../cli/drop/fairness-report.ts";
import type { FairnessRun } from "../../cli/drop/fairness-truth.ts";

function run(eta: FairnessRun["eta"]): FairnessRun {
	return {
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
		problems: [],
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
