// The Worker's own request ids (src/worker/request-id.ts) name the moment their isolate drew
// their prefix. workerd's clock reads 0 while a module is evaluated (no I/O has happened yet), so
// a prefix drawn at module scope read "0-…" under `npm start`; it is drawn at the first request.
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
	vi.restoreAllMocks();
	vi.resetModules();
});

describe("the Worker's own request ids", () => {
	it("take their prefix's time at the first request, not from the clock at module scope", async () => {
		// A module another test file of this worker already ran holds its prefix: start afresh.
		vi.resetModules();
		const clock = vi.spyOn(Date, "now").mockReturnValue(0);
		const { requestIdOf } = await import("../../src/worker/request-id.ts");
		clock.mockRestore();
		const before = Date.now();
		const [time, , count] = requestIdOf(undefined).split("-");
		expect(Number.parseInt(time ?? "", 36)).toBeGreaterThanOrEqual(before);
		expect(count).toBe("1");
		expect(requestIdOf(undefined).split("-")[0]).toBe(time);
	});
});
