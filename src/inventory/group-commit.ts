// Group commit for the SKU object (docs/hot-path/how-it-works.md, "Group commit in the SKU object").
//
// workerd fsyncs every SQLite commit of a Durable Object and does not group
// concurrent requests' commits by itself, so one commit per call caps a hot SKU
// at the disk's fsync rate (docs/measurements/local-runtimes.md). Here every call
// pushes its work on a queue and gets a promise; the queue is decided in one
// synchronous block — one implicit transaction, one fsync — and every promise
// is resolved from it. The output gate holds each reply until that transaction
// is durable, so no caller hears of a decision before it survives a crash.
//
// Why a timer and not a microtask: each RPC call arrives in a task of its own;
// a microtask runs before the next call has arrived, so it never batches
// (measured: 0.97 commits per decision). `setTimeout(0)` lets the calls that
// are already waiting in the event loop join the batch.
//
// GroupCommit decides a queue of calls in one block (reserves, cancels, joins,
// checkout admissions); NextTurn lets continuations that arrive before the
// next timer — provider answers of checkout sagas — step together in one turn,
// so their writes share a commit too (src/inventory/checkout-driver.ts).
// EndOfTask writes what a task's steps staged once, at the end of the task.

import { spacedWaitMs } from "../domain/batch.ts";

/** Calls one commit may carry. Bounds the work of one synchronous block (and its latency). */
export const MAX_GROUP = 256;
/**
 * How long the first call of a batch waits for company. 0 ms is one turn of
 * the event loop: no added latency when the object is idle.
 */
export const GROUP_WAIT_MS = 0;
/**
 * The SKU object's reserve queue: a commit that would start less than this after the
 * previous one started waits for the rest of the gap (domain/batch.ts `spacedWaitMs`), so
 * at moderate load the calls arriving meanwhile share it. Idle and peak load wait nothing
 * (docs/decisions/046-spaced-commits.md has the measurements behind the value).
 */
export const COMMIT_SPACING_MS = 4;

type Waiting<T, R> = { item: T; resolve: (value: R) => void; reject: (error: unknown) => void };

export class GroupCommit<T, R> {
	private queue: Waiting<T, R>[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** When the last non-empty batch was decided; null before the first. */
	private lastFlushAtMs: number | null = null;

	/**
	 * `decide` gets the whole batch in arrival order and returns one answer per
	 * item, synchronously. If it throws, every caller of the batch gets the
	 * error (the caller's transaction rolls the writes back).
	 */
	constructor(
		private readonly decide: (items: T[]) => R[],
		private readonly maxGroup = MAX_GROUP,
		private readonly waitMs = GROUP_WAIT_MS,
		/** 0: no spacing (every batch waits `waitMs` only). */
		private readonly spacingMs = 0,
		private readonly nowMs: () => number = Date.now,
	) {}

	submit(item: T): Promise<R> {
		return new Promise<R>((resolve, reject) => {
			this.queue.push({ item, resolve, reject });
			if (this.queue.length >= this.maxGroup) this.flush();
			else if (this.timer === null) {
				const spaced = spacedWaitMs(this.lastFlushAtMs, this.nowMs(), this.spacingMs);
				this.timer = setTimeout(() => this.flush(), Math.max(this.waitMs, spaced));
			}
		});
	}

	/** Items waiting for the next commit. */
	size(): number {
		return this.queue.length;
	}

	/** Decides everything queued now. Safe to call at any time, also with an empty queue. */
	flush(): void {
		if (this.timer !== null) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const batch = this.queue;
		if (batch.length === 0) return;
		this.queue = [];
		this.lastFlushAtMs = this.nowMs();
		let answers: R[];
		try {
			answers = this.decide(batch.map((w) => w.item));
			if (answers.length !== batch.length) {
				throw new Error(`a batch of ${batch.length} got ${answers.length} answers`);
			}
		} catch (error) {
			for (const w of batch) w.reject(error);
			return;
		}
		for (let i = 0; i < batch.length; i++) (batch[i] as Waiting<T, R>).resolve(answers[i] as R);
	}
}

/**
 * Lets the callers that arrive before the next `setTimeout(0)` continue together,
 * in arrival order, in one turn of the event loop: the steps they write share one
 * implicit transaction (one commit). A microtask would not gather them: each
 * provider answer arrives in a task of its own.
 *
 * A caller already in a turn that writes a batch (a provider answering within the
 * turn that asked it, like the simulated one at zero latency) continues at once:
 * its step joins that turn's commit. This is only about how many steps share a
 * commit: every step is written in one synchronous block either way, and its reply
 * waits for its commit.
 */
export class NextTurn {
	private waiting: (() => void)[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** Set in a turn that writes a batch, cleared by the next timer. */
	private batchTurn = false;

	/** This turn writes a batch; steps of answers that arrive before it ends join it. */
	mark(): void {
		if (this.batchTurn) return;
		this.batchTurn = true;
		setTimeout(() => {
			this.batchTurn = false;
		}, 0);
	}

	/** Null: step now (this turn writes a batch already); else resolves in the next batch's turn. */
	wait(): Promise<void> | null {
		if (this.batchTurn) return null;
		return new Promise<void>((resolve) => {
			this.waiting.push(resolve);
			this.timer ??= setTimeout(() => this.release(), 0);
		});
	}

	private release(): void {
		this.timer = null;
		this.mark();
		const ready = this.waiting;
		this.waiting = [];
		for (const resolve of ready) resolve();
	}
}

/**
 * Runs `write` once in a microtask queued by the first `schedule()` of a task: after the
 * synchronous steps that staged rows, before any reaction to a promise settled after that
 * call (every reply of those steps), and within the task, so in its commit. A write that
 * throws goes to `broken`: the object must not answer from memory what SQLite does not hold.
 * Used by the SKU's state writer (state-writer.ts) and the saga rows (checkout-store.ts).
 */
export class EndOfTask {
	private queued = false;

	constructor(
		private readonly write: () => void,
		private readonly broken: (error: unknown) => void,
	) {}

	schedule(): void {
		if (this.queued) return;
		this.queued = true;
		queueMicrotask(() => {
			this.queued = false;
			try {
				this.write();
			} catch (error) {
				this.broken(error);
			}
		});
	}
}
