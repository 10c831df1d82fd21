// Is the target still there? Once the run has created its SKU, a probe of /healthz every
// second tells a server that went away (killed, crashed, its machine gone) from one that is
// slow or restarted: the run then stops at once and says so (cli/drop.ts, "cut"), instead of
// settling, waiting out its holds and reading records from nobody
// (docs/decisions/076-drop-and-verify-queue-when-the-server-goes.md).
//
// Any HTTP answer, even a 5xx, is a server that answers. "Gone" needs both: no answer for
// GONE_AFTER_MS, and PROBES_TO_GONE probes in a row without one. A kill -9 (connection
// refused at once) is seen in about GONE_AFTER_MS; a restart shorter than that is not a cut
// (the run's lost answers are counted as any others: docs/drop-simulator.md); a hung server is
// seen after PROBES_TO_GONE request timeouts (cli/drop/http.ts REQUEST_TIMEOUT_MS).

import { sleep } from "../../src/shared/sleep.ts";
import type { JsonClient } from "./http.ts";

/** One probe a second: next to the sampler's ten reads a second, nothing. */
export const PROBE_INTERVAL_MS = 1_000;
/** No answer from the server for this long (and PROBES_TO_GONE probes) means it is gone. */
export const GONE_AFTER_MS = 5_000;
export const PROBES_TO_GONE = 3;

export class ServerWatch {
	/** A sentence saying when the server stopped answering and how; null while it answers. */
	gone: string | null = null;
	private running = false;
	private readonly client: JsonClient;
	/** performance.now() of the run's start, for "+N s" in the sentence. */
	private readonly originMs: number;
	private readonly onGone: Array<() => void> = [];

	constructor(client: JsonClient, originMs: number) {
		this.client = client;
		this.originMs = originMs;
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		let lastAnswerMs = performance.now();
		let missed = 0;
		void (async () => {
			while (this.running) {
				const sentMs = performance.now();
				const answer = await this.client.request("GET", "/healthz");
				if (!this.running) return;
				if (answer.status !== 0) {
					lastAnswerMs = performance.now();
					missed = 0;
				} else {
					missed++;
					const silentMs = performance.now() - lastAnswerMs;
					if (missed >= PROBES_TO_GONE && silentMs >= GONE_AFTER_MS) {
						const at = ((lastAnswerMs - this.originMs) / 1000).toFixed(1);
						this.gone = `the server stopped answering at +${at} s (no answer to GET /healthz for ${Math.round(silentMs / 1000)} s: ${answer.problem ?? "no answer"})`;
						for (const notify of this.onGone.splice(0)) notify();
						this.running = false;
						return;
					}
				}
				await sleep(Math.max(0, PROBE_INTERVAL_MS - (performance.now() - sentMs)));
			}
		})();
	}

	/** Resolves once the server is gone (never while it answers): for racing a phase against it. */
	whenGone(): Promise<void> {
		if (this.gone !== null) return Promise.resolve();
		return new Promise((resolve) => this.onGone.push(resolve));
	}

	/** Stops probing; a probe in flight ends when its client is closed. */
	stop(): void {
		this.running = false;
	}
}
