// Reading a drop's records back (cli/drop/records.ts, records-bound.ts, cut.ts;
// docs/decisions/108-the-drop-at-its-default-size.md): the bound grows with the holds to read and
// never cuts a reader that keeps reading; a stalled one is cut; once the run is cut no read goes
// out and nothing more is said; the cut's sentence says how the holds end, whether or not the
// server still runs.
// Pure (no server): here rather than in test/unit because cli/drop/records.ts reaches Node-only
// modules (scripts/config.ts through options.ts), which the Worker tsconfig that types test/unit cannot.
import { describe, expect, it } from "vitest";
import { cutSentence } from "../../cli/drop/cut.ts";
import type { Answer, JsonClient } from "../../cli/drop/http.ts";
import { Progress } from "../../cli/drop/progress.ts";
import { collectRecords } from "../../cli/drop/records.ts";
import {
	RECORDS_BASE_MS,
	RECORDS_MS_PER_HOLD,
	RECORDS_STALL_MS,
	RecordsBound,
	readWithinBound,
} from "../../cli/drop/records-bound.ts";
import type { Reservation } from "../../src/shared/types.ts";

describe("the records' bound", () => {
	it("grows with the holds to read", () => {
		/** The first whole second at which a reader answered every second is cut. */
		const ceiling = (holds: number) => {
			const bound = new RecordsBound(holds, 0);
			for (let t = 1_000; ; t += 1_000) {
				bound.progressed(t - 1);
				if (bound.exceeded(t) !== null) return t - 1_000;
			}
		};
		expect(ceiling(0)).toBe(RECORDS_BASE_MS);
		// The review's default run: 79,310 holds, past the old fixed 120 s.
		expect(ceiling(79_000)).toBe(RECORDS_BASE_MS + 79_000 * RECORDS_MS_PER_HOLD);
		expect(ceiling(79_000)).toBeGreaterThan(4 * 120_000);
	});

	it("cuts a stalled reader, and says which bound it passed", () => {
		const bound = new RecordsBound(50_000, 0);
		bound.progressed(10_000);
		expect(bound.exceeded(10_000 + RECORDS_STALL_MS)).toBeNull();
		expect(bound.exceeded(10_001 + RECORDS_STALL_MS)).toMatch(/stalled: no page .* for 120 s/);
		const slow = new RecordsBound(10, 0);
		for (let t = 0; t < RECORDS_BASE_MS; t += 60_000) slow.progressed(t);
		slow.progressed(RECORDS_BASE_MS);
		expect(slow.exceeded(RECORDS_BASE_MS + 51)).toMatch(/bound of 120 s for 10 holds/);
	});
});

describe("the cut's sentence", () => {
	const base = {
		phase: "records",
		why: "x",
		url: "http://127.0.0.1:8787",
		skus: ["S"],
		run: "",
	} as const;
	it("blames no stopped server when the server still runs", () => {
		const up = cutSentence({ ...base, serverGone: false });
		expect(up).not.toContain("once the server runs again");
		expect(up).toContain("at their expiresAt (the server still runs)");
		expect(up).toContain("during the reading of the records");
	});
	it("says the holds end once the server runs again when it stopped", () => {
		expect(cutSentence({ ...base, serverGone: true })).toContain(
			"its holds end by themselves once the server runs again",
		);
	});
});

/**
 * A client that answers the holds' pages (three of them), the stats and the trail's pages (two: 2
 * events, then 1) and counts what it was asked.
 */
function fakeClient(onRequest: (path: string) => void): JsonClient {
	const hold = (i: number): Reservation => ({
		reservationId: `rsv_${i}~S`,
		sku: "S",
		quantity: 1,
		status: "EXPIRED",
		createdAt: "2026-11-30T00:00:00.000Z",
		expiresAt: "2026-11-30T00:02:00.000Z",
		expiresInSeconds: 0,
		orderId: null,
	});
	const answer = <T>(data: T): Answer<T> => ({ status: 200, data }) as Answer<T>;
	return {
		retrying: async (_method: string, path: string) => {
			onRequest(path);
			await Promise.resolve();
			const page = Number(/after=0-(\d+)/.exec(path)?.[1] ?? 0);
			if (path.includes("/holds"))
				return answer({
					holds: [{ ...hold(page), order: null }],
					next: page < 2 ? `0-${page + 1}` : null,
				});
			if (path.includes("/stats")) return answer({ rejected: {} });
			if (path.includes("/events")) {
				const from = Number(/after=(\d+)/.exec(path)?.[1] ?? 0);
				const seqs = from === 0 ? [1, 2] : [3];
				return answer({
					events: seqs.map((seq) => ({ seq, type: "product.created", sku: "S" })),
					next: from === 0 ? "2" : null,
				});
			}
			return answer(null);
		},
	} as unknown as JsonClient;
}

describe("collectRecords", () => {
	it("sends no read once the run is cut, and answers that it stopped", async () => {
		const asked: string[] = [];
		let cut = false;
		const lines: string[] = [];
		const out = {
			write: (s: string) => lines.push(s),
			isTTY: false,
		} as unknown as NodeJS.WriteStream;
		const result = await collectRecords({
			client: fakeClient((path) => {
				asked.push(path);
				// The bound passes while the first page is on its way.
				cut = true;
			}),
			mode: "safe",
			sku: "S",
			adminToken: "t",
			holds: [],
			progress: new Progress(out),
			stop: () => cut,
		});
		expect(result).toEqual({ ok: false, message: "the run stopped reading the records" });
		expect(asked).toHaveLength(1);
		expect(lines).toEqual([]);
	});

	it("prints the holds and events read at the end, though the pages came faster than the progress's pace", async () => {
		const lines: string[] = [];
		const out = {
			write: (s: string) => lines.push(s),
			isTTY: false,
		} as unknown as NodeJS.WriteStream;
		const result = await collectRecords({
			client: fakeClient(() => {}),
			mode: "safe",
			sku: "S",
			adminToken: "t",
			holds: [],
			progress: new Progress(out),
		});
		expect(result.ok).toBe(true);
		// The pages come faster than a log's line every 2 s (progress.ts), so their updates may be
		// dropped; the counts at the end always show (before: the last page's could be dropped).
		expect(lines).toContain("records: 3 holds read\n");
		expect(lines.at(-1)).toBe("records: 3 audit events\n");
	});
});

describe("reading the records within the bound", () => {
	/** A clock the test moves; the bound is looked at every few real milliseconds. */
	const clock = () => {
		let t = 0;
		return { now: () => t, advance: (ms: number) => (t += ms) };
	};
	const tick = () => new Promise((r) => setTimeout(r, 5));
	const never = new Promise<string>(() => {});

	it("never cuts a reader that keeps reading, however long it takes in all", async () => {
		const c = clock();
		const result = await readWithinBound({
			bound: new RecordsBound(200_000, 0),
			whenGone: never,
			gone: () => false,
			now: c.now,
			checkMs: 1,
			read: async (stop, onPage) => {
				// 300 pages, 3 s each: 900 s, past the old 120 s, within 120 s + 5 ms × 200,000.
				for (let page = 0; page < 300; page++) {
					if (stop()) return { ok: false as const, message: "stopped" };
					c.advance(3_000);
					onPage();
					await tick();
				}
				return { ok: true as const };
			},
		});
		expect(result).toEqual({ ok: true });
	});

	it("cuts a stalled reader, which then sends nothing more", async () => {
		const c = clock();
		let sentAfterStop = 0;
		let reading = Promise.resolve();
		const result = await readWithinBound({
			bound: new RecordsBound(1_000, 0),
			whenGone: never,
			gone: () => false,
			now: c.now,
			checkMs: 1,
			read: (stop) => {
				reading = (async () => {
					// The server answers but the pages stop coming: the clock runs, no page lands.
					for (let i = 0; i < 50; i++) {
						c.advance(10_000);
						await tick();
						if (stop()) return;
					}
					sentAfterStop++;
				})();
				return new Promise(() => {});
			},
		});
		await reading;
		expect(result).toEqual({
			ok: false,
			message: "reading the records stalled: no page of them answered for 120 s",
		});
		expect(sentAfterStop).toBe(0);
	});

	it("ends with the server's going, and tells the reader to stop", async () => {
		let gone: string | null = null;
		let stopSeen = false;
		const result = await readWithinBound({
			bound: new RecordsBound(1_000, 0),
			whenGone: new Promise<string>((resolve) =>
				setTimeout(() => {
					gone = "the server stopped answering";
					resolve(gone);
				}, 20),
			),
			gone: () => gone !== null,
			now: () => 0,
			checkMs: 1,
			read: (stop) =>
				new Promise((resolve) => {
					const poll = setInterval(() => {
						if (!stop()) return;
						stopSeen = true;
						clearInterval(poll);
						resolve({ ok: false as const, message: "stopped" });
					}, 2);
				}),
		});
		expect(result).toEqual({ ok: false, message: "the server stopped answering" });
		await tick();
		await tick();
		expect(stopSeen).toBe(true);
	});
});
