// A chart's value axis fits its widest label (src/web/components/axis-size.ts): the console's
// latency axis showed "0.8 ms" as ".8 ms" in a fixed 50 px.
import { describe, expect, it } from "vitest";
import {
	AXIS_TICK_AND_GAP_PX,
	fitLabels,
	labelAxisPx,
} from "../../src/web/components/axis-size.ts";

/** About the console's axis font: 7 CSS px a character. */
const measure = (label: string) => label.length * 7;

describe("value axis width", () => {
	it("leaves room for the widest label beside the ticks", () => {
		for (const labels of [
			["1 ms", "0.8 ms", "0.6 ms"],
			["0 ms", "500 ms", "1000 ms"],
			["12.5 ms"],
		]) {
			const widest = Math.max(...labels.map(measure));
			expect(labelAxisPx(labels, measure)).toBeGreaterThanOrEqual(widest + AXIS_TICK_AND_GAP_PX);
		}
	});

	it("keeps the old 50 px for short labels and for none", () => {
		expect(labelAxisPx(["0", "5", "10"], measure)).toBe(50);
		expect(labelAxisPx(null, measure)).toBe(50);
	});

	it("measures in the axis's font on uPlot's canvas, in CSS pixels", () => {
		const fonts: string[] = [];
		const ctx = {
			font: "",
			measureText(text: string) {
				fonts.push(this.font);
				return { width: text.length * 14 };
			},
		};
		const self = { axes: [{}, { font: ["24px system-ui", 12] }], ctx };
		const ratio = (globalThis as { devicePixelRatio?: number }).devicePixelRatio || 1;
		const size = (fitLabels as (...a: unknown[]) => number)(self, ["0.8 ms", "1000 ms"], 1, 0);
		expect(size).toBeGreaterThanOrEqual((7 * 14) / ratio + AXIS_TICK_AND_GAP_PX);
		expect(fonts.every((f) => f === "24px system-ui")).toBe(true);
	});
});
