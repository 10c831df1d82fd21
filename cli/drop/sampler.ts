// Stock over time: reads the SKU's public availability at a fixed interval while
// the run goes on, for the report's chart and the verifier's invariant-1 check
// at every observed moment.

import { sleep } from "../../src/shared/sleep.ts";
import type { Availability } from "../../src/shared/types.ts";
import type { JsonClient } from "./http.ts";
import type { AvailabilitySample } from "./types.ts";

/** One read every this many ms: cheap next to the burst, fine enough for a chart. */
export const SAMPLE_INTERVAL_MS = 100;
/** At most this many samples are kept (an hour at 10 a second); later ones are dropped. */
export const MAX_SAMPLES = 36_000;

export class Sampler {
	readonly samples: AvailabilitySample[] = [];
	private running = false;
	private loop: Promise<void> = Promise.resolve();

	start(client: JsonClient, sku: string, originMs: number): void {
		if (this.running) return;
		this.running = true;
		this.loop = (async () => {
			while (this.running && this.samples.length < MAX_SAMPLES) {
				const startedMs = performance.now();
				const answer = await client.request<Availability>(
					"GET",
					`/api/products/${encodeURIComponent(sku)}/availability`,
				);
				const a = answer.data;
				if (answer.status === 200 && a !== null) {
					this.samples.push({
						tMs: Math.round(startedMs - originMs),
						total: a.total,
						available: a.available,
						reserved: a.reserved,
						sold: a.sold,
					});
				}
				const waitMs = SAMPLE_INTERVAL_MS - (performance.now() - startedMs);
				if (waitMs > 0) await sleep(waitMs);
			}
		})();
	}

	async stop(): Promise<void> {
		this.running = false;
		await this.loop;
	}
}
