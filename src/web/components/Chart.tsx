// A uPlot chart that follows its container's width and takes new data in place
// (uPlot redraws a canvas; no virtual DOM work per point).

import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const CHART_HEIGHT_PX = 220;

export function Chart({
	title,
	description,
	options,
	data,
}: {
	title: string;
	/** What the chart shows, for screen readers (the canvas itself is not readable). */
	description: string;
	options: Omit<uPlot.Options, "width" | "height">;
	data: uPlot.AlignedData;
}) {
	const box = useRef<HTMLDivElement>(null);
	const plot = useRef<uPlot | null>(null);

	useEffect(() => {
		const el = box.current;
		if (el === null) return;
		const chart = new uPlot(
			{ ...options, width: el.clientWidth || 300, height: CHART_HEIGHT_PX },
			data,
			el,
		);
		plot.current = chart;
		const observer = new ResizeObserver(() =>
			chart.setSize({ width: el.clientWidth || 300, height: CHART_HEIGHT_PX }),
		);
		observer.observe(el);
		return () => {
			observer.disconnect();
			chart.destroy();
			plot.current = null;
		};
		// Built once; data flows in through setData below.
	}, []);

	useEffect(() => {
		plot.current?.setData(data);
	}, [data]);

	return (
		<figure class="card" aria-label={title}>
			<h3>{title}</h3>
			<div ref={box} class="chart" role="img" aria-label={description} />
		</figure>
	);
}
