// The frame every step of the demo shares (docs/demo.md): the card with its heading, what to
// say and the step's problem, the step's buttons, and the outcome tally of a stampede.

import type { ComponentChildren } from "preact";
import { describeError } from "../api/outcomes.ts";
import { ms } from "../lib/format.ts";
import { type DemoState, FOCUS, type Stampede, type StepId } from "./demo-state.ts";
import { stampedeProblem } from "./stampede-run.ts";

export function Step({
	n,
	id,
	title,
	say,
	done,
	problem,
	children,
}: {
	n: number;
	id: StepId;
	title: string;
	say: string;
	done: boolean;
	problem?: string | undefined;
	children: ComponentChildren;
}) {
	return (
		<section class="card step" data-done={done} aria-labelledby={FOCUS.step(id)}>
			{/* Focusable by script only: actions move focus here when this step is next. */}
			<h2 id={FOCUS.step(id)} tabIndex={-1}>
				Step {n} · {title}
			</h2>
			<p class="step-say">“{say}”</p>
			{children}
			{/* An alert already in the page, never a focus target: focus stays on the step's button,
			    which tries again (decision 140). */}
			<p
				id={FOCUS.problem(id)}
				role="alert"
				class={problem ? "notice notice-error" : "notice-empty"}
			>
				{problem ?? ""}
			</p>
		</section>
	);
}

/**
 * A step's button. While any request of the demo is in flight it is
 * aria-disabled rather than disabled, so keyboard focus stays on it instead of
 * falling to <body>; `disabled` is kept for when it cannot be used at all.
 */
export function Action({
	s,
	busyAs,
	busyLabel,
	unavailable,
	onPress,
	class: className,
	children,
}: {
	s: DemoState;
	busyAs: string;
	busyLabel: string;
	unavailable: boolean;
	onPress(): void;
	class?: string;
	children: ComponentChildren;
}) {
	const waiting = s.busy !== null;
	return (
		<button
			type="button"
			class={className}
			disabled={unavailable}
			aria-disabled={waiting ? "true" : undefined}
			onClick={() => {
				if (!waiting) onPress();
			}}
		>
			{s.busy === busyAs ? busyLabel : children}
		</button>
	);
}

export const problemText = (s: DemoState, id: StepId) => {
	if (id === "stampede") return stampedeProblem(s);
	if (id === "safe" && s.problems.safe === undefined && s.countersError !== null)
		return `The counters could not be read after the last change, so they are not shown. ${describeError(s.countersError)}`;
	const p = s.problems[id];
	if (p === undefined) return undefined;
	if (id === "reset" && p.code === "rate_limited") {
		const wait = p.retryAfterSeconds;
		return `Reset refused: resets are limited to one a minute.${wait !== null ? ` Try again in ${wait} s.` : ""}`;
	}
	return describeError(p);
};

export function Tally({ run, stock }: { run: Stampede; stock: number }) {
	const limited = run.outcomes.rate_limited ?? 0;
	return (
		<>
			<ul class="tally" aria-label={`${run.mode} mode outcomes`}>
				{Object.entries(run.outcomes)
					.sort(([a], [b]) => (a === "allocated" ? -1 : b === "allocated" ? 1 : a.localeCompare(b)))
					.map(([k, n]) => (
						<li key={k}>
							{k}: <strong>{n}</strong>
						</li>
					))}
				<li>in {ms(run.elapsedMs)}</li>
			</ul>
			<p class="small">
				{run.allocated === null
					? "Units allocated: not measured."
					: `${run.allocated} of ${stock} units allocated so far.`}
			</p>
			{limited > 0 && (
				<p class="muted small">
					{limited} attempts met the rate limits (per session and per IP): they protect a real drop
					from one client. Start the server with RATE_LIMITS=off to send the whole stampede through.
				</p>
			)}
		</>
	);
}
