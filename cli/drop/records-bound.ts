// How long `npm run drop` may spend reading the records back (docs/drop-simulator.md;
// docs/decisions/108-the-drop-at-its-default-size.md). Two bounds, whichever comes first:
// - a stall: no page of the records answered for RECORDS_STALL_MS (the server is up but not
//   answering these reads; a page that takes this long is not progress);
// - a ceiling that grows with what must be read: RECORDS_BASE_MS, plus RECORDS_MS_PER_HOLD for
//   each hold the run was granted (a hold is one row of the holds' pages and a few events of
//   the trail's; pages of 1,000 read about a thousand of either a second on the 2-core machine
//   under load, so the ceiling leaves several times that).
// A run that keeps reading is not cut for being big; one that stops reading is cut within the stall.

/** No page answered for this long: the reading is stalled. */
export const RECORDS_STALL_MS = 120_000;
/** The ceiling of a run with no hold. */
export const RECORDS_BASE_MS = 120_000;
/** What each hold the run was granted adds to the ceiling. */
export const RECORDS_MS_PER_HOLD = 5;

export class RecordsBound {
	private readonly startedMs: number;
	private readonly ceilingMs: number;
	private lastProgressMs: number;
	readonly holds: number;

	// No parameter properties: Node runs this file by type stripping, which does not rewrite them.
	constructor(holds: number, nowMs: number) {
		this.holds = holds;
		this.startedMs = nowMs;
		this.lastProgressMs = nowMs;
		this.ceilingMs = RECORDS_BASE_MS + RECORDS_MS_PER_HOLD * holds;
	}

	/** A page of the records answered. */
	progressed(nowMs: number): void {
		this.lastProgressMs = nowMs;
	}

	/** Why the reading must stop now, or null while it may go on. */
	exceeded(nowMs: number): string | null {
		if (nowMs - this.lastProgressMs > RECORDS_STALL_MS)
			return `reading the records stalled: no page of them answered for ${seconds(RECORDS_STALL_MS)} s`;
		if (nowMs - this.startedMs > this.ceilingMs)
			return `reading the records took longer than its bound of ${seconds(this.ceilingMs)} s for ${this.holds} holds`;
		return null;
	}
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** How often the bound is looked at while the records are read. */
const CHECK_MS = 1_000;

/** A read of the records that stops sending when told to, and reports each page answered. */
export type RecordsReader<T> = (stop: () => boolean, onPage: () => void) => Promise<T>;

/**
 * Reads the records under `bound`, raced against the server going away (`whenGone` resolves with
 * the reason). Whichever ends the reading first answers; once the bound is passed or the server
 * is gone, the reader's `stop()` is true, so it sends nothing more.
 */
export async function readWithinBound<T>(input: {
	bound: RecordsBound;
	read: RecordsReader<T | { ok: false; message: string }>;
	whenGone: Promise<string>;
	gone: () => boolean;
	now?: () => number;
	checkMs?: number;
}): Promise<T | { ok: false; message: string }> {
	const now = input.now ?? (() => performance.now());
	let over: string | null = null;
	let check: ReturnType<typeof setInterval> | undefined;
	try {
		return await Promise.race([
			input.whenGone.then((why) => ({ ok: false as const, message: why })),
			input.read(
				() => input.gone() || over !== null,
				() => input.bound.progressed(now()),
			),
			new Promise<{ ok: false; message: string }>((resolve) => {
				check = setInterval(() => {
					over = input.bound.exceeded(now());
					if (over !== null) resolve({ ok: false, message: over });
				}, input.checkMs ?? CHECK_MS);
				check.unref?.();
			}),
		]);
	} finally {
		clearInterval(check);
	}
}
