// The fairness runs' report lines (cli/drop.ts prints them): the verdict, as the plain drop's
// summary opens with it (report.ts summaryLines), then one row per run, then what the room did,
// the ETA's error and the server's own view beside the ground truth.

import { round } from "./fairness-figures.ts";
import type { FairnessRun } from "./fairness-truth.ts";

export function fairnessLines(runs: readonly FairnessRun[]): string[] {
	const verified = runs.every((r) => r.verified);
	const skus = runs.map((r) => `${r.sku} (room ${r.room ? "on" : "off"})`).join(", ");
	const lines = [
		`fairness drop ${skus}: ${verified ? "VERIFIED" : "NOT VERIFIED"}`,
		"room (overbook) | humans | script sessions (scripts) | units | human share of demand | of units | ratio | Jain | units/script | units/human | oversell",
	];
	for (const r of runs) {
		const f = r.fairness;
		lines.push(
			`${r.room ? `on (${r.overbook})` : "off"}${r.shards > 1 ? `, ${r.shards} shards` : ""} | ${r.humans} | ${r.scriptSessions} (${r.scripts}) | ${r.unitsSold}/${r.stock} | ${f.humanShareOfDemand} | ${f.humanShareOfUnits} | ${f.humanShareRatio} | ${f.jainIndex} | ${r.unitsPerScript} | ${r.unitsPerHuman} | ${r.oversell}`,
		);
		if (r.preQueue !== null)
			lines.push(
				`       in the pre-queue (shuffled at the start): ${r.preQueue.humans} of ${r.humans} humans, ${r.preQueue.scriptSessions} of ${r.scriptSessions} script sessions`,
			);
		if (r.admittedWithoutUnit !== null)
			lines.push(
				`       admitted but the unit was gone (the overbook margin): ${r.admittedWithoutUnit.humans} humans, ${r.admittedWithoutUnit.scriptSessions} script sessions`,
			);
		if (r.admissions !== null)
			lines.push(
				`       admitted: ${r.admissions.humans} humans (${r.admissions.humansWithHold} got a hold), ${r.admissions.scriptSessions} script sessions (${r.admissions.scriptSessionsWithHold} got a hold); hold rate humans ÷ scripts ${r.admissions.holdRatio ?? "-"}`,
			);
		if (r.eta !== null)
			lines.push(
				`       ETA: ${r.eta.samples} humans saw one while waiting; median |error| ${r.eta.medianAbsErrorSeconds ?? "-"} s; wait within the shown range (± one look): ${r.eta.withinRange === null ? "- (no estimate shown)" : `${Math.round(r.eta.withinRange * 100)} %`}`,
			);
		const v = r.serverView;
		if (v !== null)
			lines.push(
				`       server's view: ${v.figures.sessions} sessions asking, Jain ${v.figures.jainIndex === null ? "-" : round(v.figures.jainIndex)}${v.figures.unitsPerAdmission === null ? "" : `, ${round(v.figures.unitsPerAdmission)} units per admission`}; ${v.suspectSessions === null ? "no bot signals (rate limits off)" : `suspect ${v.suspectSessions} sessions (truth: ${r.scriptSessions} script sessions) took ${v.unitsToSuspect} units (truth: scripts ${r.scriptUnits}); clear sessions' share ratio ${v.clearShareRatio ?? "-"} (truth: humans' ${f.humanShareRatio})`}`,
			);
		for (const p of r.problems) lines.push(`       problem: ${p}`);
	}
	return lines;
}
