// Step 5 of the demo (docs/demo.md): the sandbox's reset, what it left in its own figures,
// the limit's wait counted down, and a reset whose answer was lost
// (docs/decisions/077-demo-refusals-and-reset.md). Split out of Steps.tsx.

import { time } from "../lib/format.ts";
import { useNow } from "../lib/hooks.ts";
import { canAct, type DemoState } from "./demo-state.ts";
import { lostResetText } from "./lost-reset.ts";
import { Action, problemText, Step } from "./StepParts.tsx";

export function ResetStep({ s, onReset }: { s: DemoState; onReset(): void }) {
	const refused = s.problems.reset?.code === "rate_limited" ? s.resetRetryAtMs : null;
	return (
		<Step
			n={5}
			id="reset"
			title="Reset & recovery"
			say="Operational control is rate-limited: one reset per minute per IP."
			done={s.resets > 0}
			problem={
				refused !== null
					? `Reset refused: resets are limited to one a minute. The next one is allowed at ${time(new Date(refused).toISOString())}.`
					: problemText(s, "reset")
			}
		>
			<div class="row">
				<Action
					s={s}
					busyAs="reset"
					busyLabel="Resetting…"
					unavailable={!canAct(s)}
					onPress={onReset}
				>
					Reset the sandbox
				</Action>
				{/* A live region, never a focus target (decision 140): a lost reset's later verdict is
				    said here without focus, and focus on it as well would have it read twice. */}
				<p role="status" aria-label="Reset result" class="inline">
					{resetResultText(s)}
				</p>
			</div>
			{refused !== null && <ResetWait untilMs={refused} />}
		</Step>
	);
}

/**
 * What the last reset did, in its own figures (not today's counters, which later steps move),
 * or what is known of one whose answer was lost.
 */
function resetResultText(s: DemoState): string {
	if (s.lostReset !== null) return lostResetText(s.lostReset);
	if (s.resets === 0 || s.resetAt === null) return "";
	const at = time(s.resetAt);
	const left = s.resetAvailable !== null ? `, leaving ${s.resetAvailable} units available` : "";
	return (
		(s.resets === 1
			? `Reset at ${at}: every unpaid hold was released${left}.`
			: `Reset ${s.resets} times; the last, at ${at}, released every unpaid hold${left}.`) +
		(s.resetRetryAtMs === null ? " Press again to see the limit." : "")
	);
}

/** The limit's wait, counted down; not a live region (the alert said it once). */
function ResetWait({ untilMs }: { untilMs: number }) {
	const now = useNow(1000);
	const left = Math.ceil((untilMs - now) / 1000);
	return (
		<p class="muted small">
			{left > 0 ? `Next reset allowed in ${left} s.` : "A reset is allowed again."}
		</p>
	);
}
