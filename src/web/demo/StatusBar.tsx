// What stays on screen through every step: the session's time left, the cost
// meter (real spend, locked at $0, the modelled virtual spend, the guardrail
// and the last response's own receipt). The meter is sticky where the window is tall enough, so
// the numbers stay in view at the reveal (steps 4 and 6); styles.css says when it is not.

import { useEffect, useRef } from "preact/hooks";
import { costUsd, DO_MEMORY_GB, emptyUsage } from "../../domain/pricing.ts";
import type { CostLedger, Guardrail, UsageCounts } from "../../shared/types.ts";
import { Metric } from "../components/Metric.tsx";
import { clock, time, usd } from "../lib/format.ts";
import { useNow } from "../lib/hooks.ts";
import type { Backend, DemoState, Receipt } from "./demo-state.ts";
import { sessionNotice } from "./session-notice.ts";

/**
 * The session line, from the sign-in on: its time left while the session is active, and when it
 * ended once it has. Its own clock: only the banner re-renders every second, not the page (a
 * page-wide tick re-rendered every step, and with it the Turnstile widget). The countdown is a
 * `role="timer"` (not announced each second); one polite region, mounted with the banner and kept
 * across the end, says only five minutes left, one minute left and the end (session-notice.ts).
 */
export function SessionBanner({
	endsAtMs,
	endedAt,
	endSaid = false,
	backend,
	onExpired,
}: {
	/** When the session ends on this page's clock (lib/session-clock.ts), not the server's `expiresAt`; null once ended. */
	endsAtMs: number | null;
	/** When the session ended on the page; null while it is active. */
	endedAt: string | null;
	/** A step's alert said the end (a 401): the notice does not say it again (decision 140). */
	endSaid?: boolean;
	backend: Backend;
	/** Its 20 minutes are over: the page ends the session (useDemo.ts `expire`). */
	onExpired(): void;
}) {
	const nowMs = useNow(1000);
	const active = endsAtMs !== null && endedAt === null;
	const left = active ? (endsAtMs - nowMs) / 1000 : 0;
	useEffect(() => {
		if (active && left <= 0) onExpired();
	}, [active && left <= 0]);
	const notice =
		endedAt !== null
			? endSaid
				? ""
				: `Session ended at ${time(endedAt)}: verify again in step 1 to go on.`
			: sessionNotice(left);
	return (
		// biome-ignore lint/a11y/useSemanticElements: a line of the page, not a form control group, so not a <fieldset>.
		<div class="banner" role="group" aria-label="Session">
			{active ? (
				<span role="timer">
					Session active · <strong>{clock(Math.max(0, left))}</strong> left of 20 minutes
				</span>
			) : (
				<span>
					Session ended at <strong>{endedAt === null ? "" : time(endedAt)}</strong>: verify again in
					step 1 to go on.
				</span>
			)}
			<span class="muted small">
				{!active
					? "What this run showed stays on the page."
					: backend === "mock"
						? "Simulated in this page: the session lives in its memory, nothing is stored on a server."
						: "Stored in KV: session id, a hash of the IP, timestamps. No personal data."}
			</span>
			<span class="visually-hidden" role="status" aria-label="Session notice">
				{notice}
			</span>
		</div>
	);
}

/** Why the meter shows more than the server's total after a restart (cost-floor.ts). */
export const COST_BEHIND_NOTE =
	"The server reports less for this session than the meter shows: a restart of the server loses the metering it had not saved yet (it saves every 2 s). The meter keeps the highest total it has shown.";

export function CostMeter({
	cost,
	costBehind = null,
	guardrail,
	plannedThresholdUsd,
	receipt,
}: {
	cost: CostLedger | null;
	/** The server reported less than the meter had shown (cost-floor.ts). */
	costBehind?: DemoState["costBehind"];
	guardrail: Guardrail | null;
	/** The page's threshold, shown before the session exists to carry it. */
	plannedThresholdUsd: number;
	receipt: Receipt | null;
}) {
	const ownThreshold = guardrail?.source === "demo";
	const ref = useRef<HTMLElement>(null);
	// The meter's height, for the focus targets' scroll margin (styles.css): it grows when the
	// receipt opens, and in CSS pixels when the page is zoomed. A sticky meter that grows over
	// what has focus (a button that kept it while its step ran, under a receipt that got longer)
	// scrolls the page so the focus is clear of it again.
	useEffect(() => {
		const el = ref.current;
		if (el === null || typeof ResizeObserver === "undefined") return;
		const root = document.documentElement.style;
		const observer = new ResizeObserver(() => {
			const meter = el.getBoundingClientRect();
			root.setProperty("--meter-height", `${Math.ceil(meter.height)}px`);
			const focused = document.activeElement;
			if (!(focused instanceof HTMLElement) || focused === document.body || el.contains(focused))
				return;
			if (getComputedStyle(el).position !== "sticky") return;
			const at = focused.getBoundingClientRect();
			const gap = 16;
			if (at.top < meter.bottom + gap && at.bottom > meter.top)
				window.scrollBy({ top: at.top - meter.bottom - gap });
		});
		observer.observe(el);
		return () => {
			observer.disconnect();
			root.removeProperty("--meter-height");
		};
	}, []);
	return (
		<section class="card meter" aria-label="Cost meter" ref={ref}>
			<div class="metrics">
				<Metric label="Real spend">{usd(cost?.realUsd ?? 0)}</Metric>
				<Metric label="Virtual spend (list prices)">{usd(cost?.virtualUsd ?? 0, 6)}</Metric>
				<Metric label="Guardrail" alert={guardrail?.tripped === true}>
					{guardrail && ownThreshold
						? `${guardrail.tripped ? "tripped" : "armed"} at ${usd(guardrail.thresholdUsd, 4)}`
						: `armed at ${usd(plannedThresholdUsd, 4)}`}
				</Metric>
			</div>
			<p class="muted small meter-note">
				{cost
					? `Billing scale ${cost.billingScale} and cost limit ${usd(cost.limitUsd)}: real billing rounds down to $0.`
					: "No requests yet."}
			</p>
			{/* Said once, when the server's total first falls behind: the figures, which change with
			    every answer until it catches up, are a plain line beside it (docs/demo.md). In the
			    accessibility tree while empty, so its first sentence is announced. */}
			<p
				class={costBehind ? "muted small" : "visually-hidden"}
				role="status"
				aria-label="Virtual spend note"
			>
				{costBehind ? COST_BEHIND_NOTE : ""}
			</p>
			{costBehind && (
				<p class="muted small">
					Server's total for this session: {usd(costBehind.reportedUsd, 6)}; shown:{" "}
					{usd(costBehind.shownUsd, 6)}.
				</p>
			)}
			{receipt && <ReceiptLines receipt={receipt} />}
		</section>
	);
}

/** One line per metered item of the last response: count, unit, amount at list price. */
const LINES: { key: keyof UsageCounts; label: string }[] = [
	{ key: "workerRequests", label: "Worker request" },
	{ key: "workerCpuMs", label: "Worker CPU ms" },
	{ key: "doRequests", label: "Durable Object request" },
	{ key: "doWallMs", label: `Durable Object ms (${DO_MEMORY_GB * 1024} MB)` },
	{ key: "doRowsRead", label: "SQLite row read" },
	{ key: "doRowsWritten", label: "SQLite row written" },
	{ key: "d1RowsRead", label: "D1 row read" },
	{ key: "d1RowsWritten", label: "D1 row written" },
	{ key: "kvReads", label: "KV read" },
	{ key: "kvWrites", label: "KV write" },
	{ key: "aePoints", label: "Analytics Engine point" },
];

function ReceiptLines({ receipt }: { receipt: Receipt }) {
	const { cost } = receipt;
	const lines = LINES.filter((l) => cost.usage[l.key] > 0).map((l) => {
		const one = emptyUsage();
		one[l.key] = cost.usage[l.key];
		return { ...l, count: cost.usage[l.key], usd: costUsd(one) };
	});
	return (
		<details class="receipt">
			<summary>
				Last response: <strong>{usd(cost.requestUsd, 7)}</strong> · {receipt.request} →{" "}
				{receipt.status}
			</summary>
			<table aria-label="Receipt for the last response">
				<thead>
					<tr>
						<th scope="col">Item</th>
						<th scope="col" class="num">
							Count
						</th>
						<th scope="col" class="num">
							USD
						</th>
					</tr>
				</thead>
				<tbody>
					{lines.map((l) => (
						<tr key={l.key}>
							<td>{l.label}</td>
							<td class="num">{Number.isInteger(l.count) ? l.count : l.count.toFixed(1)}</td>
							<td class="num">{usd(l.usd, 8)}</td>
						</tr>
					))}
					<tr>
						<th scope="row">This response</th>
						<td />
						<td class="num">{usd(cost.requestUsd, 8)}</td>
					</tr>
				</tbody>
			</table>
			<p class="muted small">List prices as of {cost.pricesAsOf}; real spend stays at $0.</p>
		</details>
	);
}
