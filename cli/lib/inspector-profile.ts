// A CPU profile of the bench worker's isolate through workerd's inspector (DevTools
// `Profiler`), for the probes' --profile option (cli/checkout-cpu.ts, cli/reserve-cpu.ts,
// cli/hello-cpu.ts). The worker must have
// been started with RG_INSPECTOR_PORT set (scripts/runtime.ts passes it to Miniflare).

import { writeFileSync } from "node:fs";

/** Where the probes ask workerd to listen for the inspector. */
export const INSPECTOR_PORT = 9239;
/** Sampling every 100 µs: a checkout costs ~700 µs of CPU, so several samples each. */
export const SAMPLING_INTERVAL_US = 100;
/**
 * Heap sampling: one sample per this many bytes allocated on average (V8's default is 32 KiB).
 * A reserve allocates ~16 KB (docs/hot-path/collector.md), so ~1,400 samples a second at 1,500 reserves/s.
 */
export const HEAP_SAMPLING_INTERVAL_BYTES = 16_384;
/**
 * `cpu`: DevTools `Profiler`; `heap`: `HeapProfiler` sampling of allocations, freed ones included;
 * `survivors`: the same, less what scavenges freed, i.e. what was promoted to the old generation
 * (and what was still alive at the end): the objects whose sweep the mark-compacts pay
 * (docs/decisions/050-collector-pauses.md).
 */
export type ProfileKind = "cpu" | "heap" | "survivors";

/** A DevTools protocol session with one worker's isolate: `send` a method, `close` when done. */
export interface InspectorSession {
	send(method: string, params?: object): Promise<unknown>;
	close(): void;
}

/**
 * Opens a session with the isolate of the worker named `workerName` on workerd's inspector. With
 * `waitMs`, a method not answered by then rejects instead of waiting for ever.
 */
export async function inspectorSession(
	port: number,
	workerName: string,
	waitMs?: number,
): Promise<InspectorSession> {
	const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
		webSocketDebuggerUrl: string;
	}[];
	const target = targets.find((t) => t.webSocketDebuggerUrl.endsWith(`:user:${workerName}`));
	if (target === undefined) throw new Error(`no inspector target for the worker ${workerName}`);
	const ws = new WebSocket(target.webSocketDebuggerUrl);
	await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
	let lastId = 0;
	const pending = new Map<number, (result: unknown) => void>();
	ws.addEventListener("message", (event) => {
		const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
		if (message.id !== undefined) pending.get(message.id)?.(message.result);
	});
	const send = (method: string, params: object = {}) =>
		new Promise<unknown>((resolve, reject) => {
			lastId += 1;
			pending.set(lastId, resolve);
			ws.send(JSON.stringify({ id: lastId, method, params }));
			if (waitMs !== undefined) {
				setTimeout(() => reject(new Error(`the inspector did not answer ${method}`)), waitMs);
			}
		});
	return { send, close: () => ws.close() };
}

/**
 * Starts sampling the isolate of the worker named `workerName` (the product's, unless a probe
 * profiles another worker beside it); the function returned stops it and returns the profile.
 */
export async function startProfile(
	port = INSPECTOR_PORT,
	intervalUs = SAMPLING_INTERVAL_US,
	workerName = "revenue-guard",
	kind: ProfileKind = "cpu",
): Promise<() => Promise<unknown>> {
	const { send, close } = await inspectorSession(port, workerName);
	if (kind === "heap" || kind === "survivors") {
		await send("HeapProfiler.enable");
		// Objects the collector has already freed stay in the profile (includeObjectsCollected…):
		// the tail is made by what the collector frees, so the profile must count the garbage.
		await send("HeapProfiler.startSampling", {
			samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES,
			includeObjectsCollectedByMajorGC: true,
			includeObjectsCollectedByMinorGC: kind === "heap",
		});
		return async () => {
			const { profile } = (await send("HeapProfiler.stopSampling")) as { profile: unknown };
			close();
			return profile;
		};
	}
	await send("Profiler.enable");
	await send("Profiler.setSamplingInterval", { interval: intervalUs });
	await send("Profiler.start");
	return async () => {
		const { profile } = (await send("Profiler.stop")) as { profile: unknown };
		close();
		return profile;
	};
}

/**
 * The `start`/`stop` hooks a probe hands to `againstHello` (cli/lib/workerd-cpu.ts): sample the
 * measured run and write its profile to `file`; no hooks when `file` is null.
 */
export function profileTo(
	file: string | null,
	kind: ProfileKind = "cpu",
): {
	start?: () => Promise<void>;
	stop?: () => Promise<void>;
} {
	if (file === null) return {};
	let stop: (() => Promise<unknown>) | null = null;
	return {
		start: async () => {
			stop = await startProfile(INSPECTOR_PORT, SAMPLING_INTERVAL_US, "revenue-guard", kind);
		},
		stop: async () => {
			if (stop !== null) writeFileSync(file, JSON.stringify(await stop()));
		},
	};
}
