// The UI's pure pieces: reconnect backoff, live message parsing, percentiles,
// outcome sentences, and the mock's eventual mode (the lost update, on purpose).
import { describe, expect, it } from "vitest";
import { SANDBOX_EVENTUAL_ALLOCATIONS_MAX } from "../../src/domain/bounds.ts";
import {
	backoffMs,
	parseAvailabilityMessage,
	parseProductMessage,
} from "../../src/web/api/live-protocol.ts";
import { describeCode } from "../../src/web/api/outcomes.ts";
import { clock, counted, shortId } from "../../src/web/lib/format.ts";
import { percentiles } from "../../src/web/lib/percentiles.ts";
import { EventualStock } from "../../src/web/mock/eventual.ts";

describe("live feed reconnect backoff", () => {
	it("doubles from 0.5 s, caps at 10 s, and jitters within ±20 %", () => {
		expect(backoffMs(1, () => 0.5)).toBe(500);
		expect(backoffMs(2, () => 0.5)).toBe(1000);
		expect(backoffMs(5, () => 0.5)).toBe(8000);
		expect(backoffMs(50, () => 0.5)).toBe(10_000);
		expect(backoffMs(1, () => 0)).toBe(400);
		expect(backoffMs(1, () => 1)).toBe(600);
	});

	it("reads availability messages and ignores anything else", () => {
		const msg = {
			type: "availability",
			sku: "A",
			total: 3,
			available: 2,
			reserved: 1,
			sold: 0,
			status: "live",
			asOf: "x",
		};
		const { type: _type, ...availability } = msg;
		expect(parseAvailabilityMessage(JSON.stringify(msg))).toEqual(availability);
		expect(parseAvailabilityMessage("not json")).toBeNull();
		expect(parseAvailabilityMessage(JSON.stringify({ type: "other" }))).toBeNull();
		expect(parseAvailabilityMessage(new ArrayBuffer(2))).toBeNull();
	});

	it("reads product messages apart from availability ones", () => {
		const availability = {
			sku: "A",
			total: 3,
			available: 3,
			reserved: 0,
			sold: 0,
			status: "live",
			asOf: "x",
		};
		const product = { sku: "A", name: "N", perUserLimit: 1, startsAt: null, availability };
		expect(parseProductMessage(JSON.stringify({ type: "product", ...product }))).toEqual(product);
		// Neither parser takes the other's message.
		expect(parseAvailabilityMessage(JSON.stringify({ type: "product", ...product }))).toBeNull();
		expect(
			parseProductMessage(JSON.stringify({ type: "availability", ...availability })),
		).toBeNull();
		expect(parseProductMessage(JSON.stringify({ type: "product", sku: "A" }))).toBeNull();
		expect(parseProductMessage("not json")).toBeNull();
	});
});

describe("percentiles", () => {
	it("uses the nearest rank", () => {
		const samples = Array.from({ length: 100 }, (_, i) => i + 1);
		expect(percentiles(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99 });
		expect(percentiles([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7 });
		expect(percentiles([])).toBeNull();
	});
});

describe("outcome sentences", () => {
	it("names the wait from Retry-After and the purchase limit", () => {
		expect(describeCode("rate_limited", "", 12)).toBe(
			"Too many requests. Please wait 12 seconds and try again.",
		);
		expect(describeCode("rate_limited", "", 1)).toBe(
			"Too many requests. Please wait 1 second and try again.",
		);
		expect(describeCode("purchase_limit", "", null, { perUserLimit: 2 })).toMatch(
			/may hold or buy 2/,
		);
		expect(describeCode("something_new", "The server's own words.")).toBe(
			"The server's own words.",
		);
	});

	it("words a session the bot check could not verify as a retry, never as a failed check", () => {
		// POST /api/sessions' 503 (docs/decisions/084-turnstile-failures-admin-token-and-shard-ids.md).
		const message = "The bot check service could not verify the token just now; retry shortly.";
		const sentence = describeCode("unavailable", message, 5);
		expect(sentence).toBe("The service is busy. Please retry in 5 seconds.");
		expect(sentence).not.toMatch(/did not pass/);
		expect(describeCode("turnstile_failed", "")).toMatch(/did not pass/);
	});

	it("formats countdowns", () => {
		expect(clock(125)).toBe("2:05");
		expect(clock(3725)).toBe("1:02:05");
		expect(clock(-3)).toBe("0:00");
	});

	it('counts in the singular for one (the console\'s "1 session", never "1 sessions")', () => {
		expect(counted(1, "session")).toBe("1 session");
		expect(counted(0, "unit")).toBe("0 units");
		expect(counted(2, "unit")).toBe("2 units");
	});
});

describe("the mock's eventual mode", () => {
	it("oversells when attempts overlap in the pause, and not when they are one at a time", async () => {
		const pause = () => Promise.resolve();
		const overlapping = new EventualStock(10);
		const granted = await Promise.all(
			Array.from({ length: 30 }, () => overlapping.allocate(1, pause)),
		);
		expect(granted.filter((o) => o === "allocated")).toHaveLength(30);
		expect(overlapping.oversellDelta).toBe(20);

		const serial = new EventualStock(10);
		for (let i = 0; i < 30; i++) await serial.allocate(1, pause);
		expect(serial.allocated).toBe(10);
		expect(serial.oversellDelta).toBe(0);
		serial.reset();
		expect(serial.remaining).toBe(10);
	});

	it("holds at most the server's bound of allocations on a sandbox until its reset", async () => {
		const pause = () => Promise.resolve();
		const stock = new EventualStock(100);
		const n = SANDBOX_EVENTUAL_ALLOCATIONS_MAX + 100;
		const outcomes = await Promise.all(Array.from({ length: n }, () => stock.allocate(1, pause)));
		expect(outcomes.filter((o) => o === "allocated")).toHaveLength(
			SANDBOX_EVENTUAL_ALLOCATIONS_MAX,
		);
		expect(outcomes.filter((o) => o === "sold_out")).toHaveLength(100);
		stock.reset();
		expect(await stock.allocate(1, pause)).toBe("allocated");
	});
});

describe("ids in the console's tables", () => {
	it("shows an id's random digits, which differ between ids minted in the same minute", () => {
		const sameMinute = ["rsv_019ad0c3e5f2a1b2c3d4e5f6~S", "rsv_019ad0c3e9016f7e8d9c0b1a~S~2"];
		expect(sameMinute.map(shortId)).toEqual(["rsv_…c3d4e5f6", "rsv_…8d9c0b1a"]);
		expect(shortId("something-much-longer-than-that")).toBe("something-mu…");
		expect(shortId("short")).toBe("short");
		expect(shortId(undefined)).toBe("");
	});
});
