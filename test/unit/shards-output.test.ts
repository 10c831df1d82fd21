import { describe, expect, it } from "vitest";
import { shardsOutputPath } from "../../cli/bench/shards-output.ts";

const NOW = new Date("2026-12-01T00:05:06.789Z");
const full = { quick: false, duration: undefined, noWrite: false, room: false, objectLimit: 0 };

describe("bench:shards output", () => {
	it("rewrites the committed table of its kind only at the full preset", () => {
		expect(shardsOutputPath(full, NOW)).toBe("docs/measurements/shards-bench.md");
		expect(shardsOutputPath({ ...full, room: true }, NOW)).toBe(
			"docs/measurements/shards-bench-room.md",
		);
		expect(shardsOutputPath({ ...full, objectLimit: 40 }, NOW)).toBe(
			"docs/measurements/shards-bench-limited.md",
		);
	});

	it("writes a --quick or --duration run under reports/, never over the committed table", () => {
		expect(shardsOutputPath({ ...full, quick: true }, NOW)).toBe(
			"reports/shards-bench-2026-12-01T00-05-06-789Z.md",
		);
		expect(shardsOutputPath({ ...full, duration: "3", room: true }, NOW)).toBe(
			"reports/shards-bench-room-2026-12-01T00-05-06-789Z.md",
		);
	});

	it("writes nothing with --no-write", () => {
		expect(shardsOutputPath({ ...full, noWrite: true }, NOW)).toBeNull();
		expect(shardsOutputPath({ ...full, quick: true, noWrite: true }, NOW)).toBeNull();
	});
});
