// A named number (available units, p95, …): a labelled group, so people using a
// screen reader and tests (getByRole("group", { name })) find it by its label.

import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export function Metric({
	label,
	children,
	alert = false,
}: {
	label: string;
	children: ComponentChildren;
	alert?: boolean;
}) {
	const id = useId();
	return (
		// biome-ignore lint/a11y/useSemanticElements: a number with its label is not a form control group, so not a <fieldset>.
		<div class={alert ? "metric metric-bad" : "metric"} role="group" aria-labelledby={id}>
			<span id={id} class="metric-label">
				{label}
			</span>
			<span class="metric-value">{children}</span>
		</div>
	);
}
