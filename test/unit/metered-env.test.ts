// The metered environment (src/worker/cost/bindings.ts): a binding is wrapped once per request,
// on first use, and counts into that request's usage only; a binding the environment lacks stays
// absent; the environment's variables read through.
import { describe, expect, it } from "vitest";
import { meteredEnv } from "../../src/worker/cost/bindings.ts";
import { requestUsage } from "../../src/worker/cost/meter.ts";
import type { Env } from "../../src/worker/env.ts";

function dataset(points: unknown[]): AnalyticsEngineDataset {
	return { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point) };
}

describe("meteredEnv", () => {
	it("wraps a binding once per request and counts into that request's usage", () => {
		const points: unknown[] = [];
		const env = { ANALYTICS: dataset(points), ENVIRONMENT: "test" } as unknown as Env;
		const usageA = requestUsage();
		const usageB = requestUsage();
		const a = meteredEnv(env, usageA);
		const b = meteredEnv(env, usageB);
		const first = a.ANALYTICS;
		expect(a.ANALYTICS).toBe(first);
		expect(b.ANALYTICS).not.toBe(first);
		first?.writeDataPoint({ blobs: [crypto.randomUUID()] });
		a.ANALYTICS?.writeDataPoint({ blobs: [crypto.randomUUID()] });
		b.ANALYTICS?.writeDataPoint({ blobs: [crypto.randomUUID()] });
		expect(usageA.aePoints).toBe(2);
		expect(usageB.aePoints).toBe(1);
		expect(points).toHaveLength(3);
		expect(a.ENVIRONMENT).toBe("test");
	});

	it("leaves a binding the environment lacks absent", () => {
		const env = { ENVIRONMENT: "test" } as unknown as Env;
		const metered = meteredEnv(env, requestUsage());
		expect(metered.ANALYTICS).toBeUndefined();
		expect(metered.DB).toBeUndefined();
		expect("ANALYTICS" in metered).toBe(false);
	});
});
