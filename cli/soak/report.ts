// The soak's curve: start, middle and end, the growth of each half, and every
// sample as a table (docs/measurements/soak.md shows one).

import { DATA_PARTS, type DataPart } from "./measure.ts";
import { OVERDUE_GRACE_MS, type SoakResult, type SoakSample } from "./run.ts";
import { MAX_IN_FLIGHT } from "./traffic.ts";

const MIB = 1024 * 1024;

export interface Growth {
	/** Null where memory could not be read. */
	rssMiB: number | null;
	workerdRssMiB: number | null;
	diskMiB: number;
	dataMiB: number;
	journalMiB: number;
	data: Record<DataPart, number>;
	requests: number;
	attempts: number;
	/** Data growth (journals aside) per 1,000 reserve attempts, in KiB. */
	dataKiBPer1000Attempts: number;
	/** Memory growth per 1,000 requests, in KiB (null: memory unknown). */
	rssKiBPer1000Requests: number | null;
}

/** The first sample, the one nearest the middle of the run, and the last. */
export function curve(samples: readonly SoakSample[]): {
	start: SoakSample;
	middle: SoakSample;
	end: SoakSample;
} {
	const start = samples[0];
	const end = samples.at(-1);
	if (start === undefined || end === undefined) throw new Error("a soak without samples");
	const half = (start.tMs + end.tMs) / 2;
	let middle = start;
	for (const s of samples) if (Math.abs(s.tMs - half) < Math.abs(middle.tMs - half)) middle = s;
	return { start, middle, end };
}

export function growth(from: SoakSample, to: SoakSample): Growth {
	const requests = to.requests - from.requests;
	const attempts = to.attempts - from.attempts;
	const dataBytes = to.disk.dataBytes - from.disk.dataBytes;
	const data = {} as Record<DataPart, number>;
	for (const part of DATA_PARTS) data[part] = (to.disk.data[part] - from.disk.data[part]) / MIB;
	const rssBytes =
		from.rssBytes === null || to.rssBytes === null ? null : to.rssBytes - from.rssBytes;
	return {
		rssMiB: rssBytes === null ? null : rssBytes / MIB,
		workerdRssMiB:
			from.workerdRssBytes === null || to.workerdRssBytes === null
				? null
				: (to.workerdRssBytes - from.workerdRssBytes) / MIB,
		diskMiB: (to.disk.totalBytes - from.disk.totalBytes) / MIB,
		dataMiB: dataBytes / MIB,
		journalMiB: (to.disk.journalBytes - from.disk.journalBytes) / MIB,
		data,
		requests,
		attempts,
		dataKiBPer1000Attempts: attempts === 0 ? 0 : dataBytes / 1024 / (attempts / 1000),
		rssKiBPer1000Requests:
			rssBytes === null || requests === 0 ? null : rssBytes / 1024 / (requests / 1000),
	};
}

const clock = (ms: number) => {
	const s = Math.round(ms / 1000);
	return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};
const mib = (bytes: number | null) => (bytes === null ? "n/a" : (bytes / MIB).toFixed(1));
const signed = (n: number | null, digits = 1) =>
	n === null ? "n/a" : `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`;

function row(cells: string[], widths: number[]): string {
	return cells.map((c, i) => c.padStart(widths[i] ?? 8)).join("  ");
}

const HEADER = [
	"",
	"t",
	"requests",
	"attempts",
	"RSS MiB",
	"workerd",
	"disk MiB",
	"data",
	"DO",
	"D1",
	"KV",
	"journals",
];
const WIDTHS = [6, 6, 9, 9, 8, 8, 9, 7, 7, 7, 7, 9];

function sampleRow(label: string, s: SoakSample): string {
	return row(
		[
			label,
			clock(s.tMs),
			String(s.requests),
			String(s.attempts),
			mib(s.rssBytes),
			mib(s.workerdRssBytes),
			mib(s.disk.totalBytes),
			mib(s.disk.dataBytes),
			mib(s.disk.data.do),
			mib(s.disk.data.d1),
			mib(s.disk.data.kv),
			mib(s.disk.journalBytes),
		],
		WIDTHS,
	);
}

export function progressLine(s: SoakSample): string {
	return `${clock(s.tMs)}  ${s.requests} requests, ${s.attempts} attempts, RSS ${mib(s.rssBytes)} MiB, disk ${mib(s.disk.totalBytes)} MiB (data ${mib(s.disk.dataBytes)}, journals ${mib(s.disk.journalBytes)})`;
}

export function reportLines(result: SoakResult, title: string): string[] {
	const { samples, counts } = result;
	const { start, middle, end } = curve(samples);
	const halves = [
		["1st half", growth(start, middle)],
		["2nd half", growth(middle, end)],
	] as const;
	const lines = [
		title,
		"",
		row(HEADER, WIDTHS),
		sampleRow("start", start),
		sampleRow("middle", middle),
		sampleRow("end", end),
		"",
		"growth        RSS MiB  workerd  KiB/1k req   data MiB  KiB/1k attempts   DO / D1 / KV MiB       journals MiB",
	];
	for (const [label, g] of halves) {
		lines.push(
			[
				label.padEnd(10),
				signed(g.rssMiB).padStart(9),
				signed(g.workerdRssMiB).padStart(8),
				signed(g.rssKiBPer1000Requests, 0).padStart(11),
				signed(g.dataMiB, 2).padStart(10),
				g.dataKiBPer1000Attempts.toFixed(0).padStart(16),
				`   ${signed(g.data.do, 2)} / ${signed(g.data.d1, 2)} / ${signed(g.data.kv, 2)}`.padEnd(24),
				signed(g.journalMiB, 2).padStart(10),
			].join(" "),
		);
	}
	lines.push("", "requests by kind and HTTP status (0: no answer):");
	for (const [op, byStatus] of Object.entries(counts.statuses).sort()) {
		const parts = Object.entries(byStatus)
			.sort()
			.map(([status, n]) => `${status}×${n}`);
		lines.push(`  ${op.padEnd(15)} ${parts.join("  ")}`);
	}
	lines.push(`  ticks skipped (${MAX_IN_FLIGHT} requests were still waiting): ${counts.skipped}`);
	lines.push(
		`  sent again, having met a kept-alive socket the server had just closed: ${counts.staleResends}`,
	);
	for (const note of counts.failureNotes) lines.push(`  failed: ${note}`);
	if (result.records !== null) {
		const r = result.records;
		lines.push(
			"",
			`records at the end (Idempotency-Key records overdue: ended more than ${OVERDUE_GRACE_MS / 1000} s ago, not yet deleted):`,
			"  SKU                         idempotency  overdue   holds  checkouts  outbox",
			...r.skus.map(
				(k) =>
					`  ${k.sku.padEnd(26)} ${String(k.idempotency).padStart(12)} ${String(k.idempotencyOverdue).padStart(8)} ${String(k.holds).padStart(7)} ${String(k.checkouts).padStart(10)} ${String(k.outbox).padStart(7)}`,
			),
			`  D1 events (the audit trail, kept): ${r.events ?? "n/a"}`,
			...r.unreadable.map((u) => `  unreadable: ${u}`),
		);
	}
	lines.push(
		"",
		"samples:",
		row(HEADER, WIDTHS),
		...samples.map((s, i) => sampleRow(String(i), s)),
	);
	return lines;
}

/** Answers that are bugs: no answer at all, or a 5xx other than 503. */
export function failures(result: SoakResult): number {
	let n = 0;
	for (const byStatus of Object.values(result.counts.statuses)) {
		for (const [status, count] of Object.entries(byStatus)) {
			const code = Number(status);
			if (code === 0 || (code >= 500 && code !== 503)) n += count;
		}
	}
	return n;
}
