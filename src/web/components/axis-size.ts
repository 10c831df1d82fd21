// A chart's value axis as wide as its widest label. A fixed width cut the first digit of labels
// wider than it ("0.8 ms" showed as ".8 ms" at 50 px): the latency axis's labels run from "1 ms"
// to "1000 ms", fractions included. uPlot asks an axis's `size` with the labels it is about to
// draw and asks again while the size changes the ticks; the size here depends only on the labels,
// so the second pass agrees with the first. No DOM types beyond a canvas's measureText:
// unit-tested in test/unit/axis-size.test.ts.

import type uPlot from "uplot";

/** Space between the plot and a label: uPlot's default tick length plus its default gap, in CSS px. */
export const AXIS_TICK_AND_GAP_PX = 10 + 5;
/** Never narrower than the old fixed axis: short labels keep the layout they had. */
export const AXIS_MIN_PX = 50;

/** The axis width for `labels`, given a measure of one label's width in CSS px. */
export function labelAxisPx(
	labels: readonly string[] | null | undefined,
	measurePx: (label: string) => number,
): number {
	const widest = (labels ?? []).reduce((w, label) => Math.max(w, measurePx(label)), 0);
	return Math.max(AXIS_MIN_PX, Math.ceil(widest + AXIS_TICK_AND_GAP_PX + 2));
}

/** uPlot's `size` for a value axis: its labels measured in the axis's own font on the chart's canvas. */
export const fitLabels: uPlot.Axis.Size = (self, values, axisIdx) => {
	const axis = self.axes[axisIdx] as { font?: string | [string, number] } | undefined;
	// uPlot keeps an axis's font as [css font scaled by the pixel ratio, size]; the canvas is in device pixels.
	const font = Array.isArray(axis?.font) ? axis.font[0] : axis?.font;
	const ratio = (globalThis as { devicePixelRatio?: number }).devicePixelRatio || 1;
	return labelAxisPx(values, (label) => {
		if (font !== undefined) self.ctx.font = font;
		return self.ctx.measureText(label).width / ratio;
	});
};
