// Group commit for the SKU object (docs/hot-path.md, "Group commit in the SKU object").
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

/** Calls one commit may carry. Bounds the work of one synchronous block (and its latency). */
export const MAX_GROUP = 256;
/**
 * How long the first call of a batch waits for company. 0 ms is one turn of
 * the event loop: no added latency when the object is idle.
 */
export const GROUP_WAIT_MS = 0;

type Waiting<T, R> = { item: T; resolve: (value: R) => void; reject: (error: unknown) => void };

export class GroupCommit<T, R> {
	private queue: Waiting<T, R>[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;

	/**
	 * `decide` gets the whole batch in arrival order and returns one answer per
	 * item, synchronously. If it throws, every caller of the batch gets the
	 * error (the caller's transaction rolls the writes back).
	 */
	constructor(
		private readonly decide: (items: T[]) => R[],
		private readonly maxGroup = MAX_GROUP,
		private readonly waitMs = GROUP_WAIT_MS,
	) {}

	submit(item: T): Promise<R> {
		return new Promise<R>((resolve, reject) => {
			this.queue.push({ item, resolve, reject });
			if (this.queue.length >= this.maxGroup) this.flush();
			else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.waitMs);
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
