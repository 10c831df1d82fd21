// What the room's probes print (room-start-time and room-load-time: figures only when asked,
// never a verdict): how long a step took in the isolate, and a median of rounds.

/** Milliseconds `fn` took, by the isolate's clock (which moves across I/O). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
	const t = Date.now();
	await fn();
	return Date.now() - t;
}

export const median = (xs: number[]) =>
	[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** One line of figures: the label, the median and every round's. */
export const show = (label: string, xs: number[]) =>
	console.log(`${label.padEnd(34)} median ${median(xs)} ms  (${xs.join(", ")})`);
