// The price table and the money arithmetic (pure; no server).
import { describe, expect, it } from "vitest";
import { costUsd, DO_MEMORY_GB, emptyUsage, PRICE_USD, realUsd } from "../../src/domain/pricing.ts";

describe("the price table", () => {
	it("holds Cloudflare's published per-million list prices", () => {
		const perMillion = Object.fromEntries(
			Object.entries(PRICE_USD).map(([k, v]) => [k, Math.round(v * 1e6 * 1e6) / 1e6]),
		);
		expect(perMillion).toEqual({
			workerRequest: 0.3,
			workerCpuMs: 0.02,
			doRequest: 0.15,
			doGbSecond: 12.5,
			doRowRead: 0.001,
			doRowWritten: 1,
			d1RowRead: 0.001,
			d1RowWritten: 1,
			kvRead: 0.5,
			kvWrite: 5,
			aePoint: 0.25,
		});
		expect(DO_MEMORY_GB).toBe(0.125);
	});

	it("prices usage line by line", () => {
		expect(costUsd(emptyUsage())).toBe(0);
		const oneOfEach = {
			workerRequests: 1,
			workerCpuMs: 1,
			doRequests: 1,
			doWallMs: 1000,
			doRowsRead: 1,
			doRowsWritten: 1,
			d1RowsRead: 1,
			d1RowsWritten: 1,
			kvReads: 1,
			kvWrites: 1,
			aePoints: 1,
		};
		// 0.30 + 0.02 + 0.15 + (0.125 GB·s × 12.50 = 1.5625) + 0.001 + 1 + 0.001 + 1 + 0.50 + 5 + 0.25 = 9.7845 per million.
		expect(costUsd(oneOfEach)).toBeCloseTo(9.7845e-6, 15);
		expect(costUsd({ ...emptyUsage(), kvWrites: 1_000_000 })).toBeCloseTo(5, 12);
	});
});

describe("realUsd", () => {
	it("scales and rounds down to whole cents", () => {
		expect(realUsd(0.29, 1)).toBe(0.29); // not 0.28: 0.29 × 100 is 28.999… in binary
		expect(realUsd(0.0199, 1)).toBe(0.01);
		expect(realUsd(0.0099, 1)).toBe(0);
		expect(realUsd(5.3e-6, 1_000_000)).toBe(5.3);
	});

	it("is zero at the default scale for any plausible demo, and never negative", () => {
		expect(realUsd(1_000_000, 1e-9)).toBe(0);
		expect(realUsd(9_000_000, 1e-9)).toBe(0);
		expect(realUsd(-1, 1)).toBe(0);
		expect(realUsd(1, 0)).toBe(0);
		expect(realUsd(Number.NaN, 1)).toBe(0);
	});
});
