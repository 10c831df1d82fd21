// The order of a split SKU's unit moves in its coordinator (inventory/escrow.ts,
// docs/decisions/167-sold-out-means-none-anywhere.md, docs/decisions/180-one-change-of-the-total-at-a-time.md):
// the grant requests that fold back run one at a time, so none takes the units another's
// fold back brought before that one is granted them; and a turn of its own (a whole-SKU
// read that needs no unit in flight, GET …/stats; a change of totalStock) waits for the
// requests in progress while new requests, reads and changes wait for it. So nothing else
// moves a unit between the pool and a shard while a read or a cut runs, and two changes of
// the total never run together.

/**
 * Turns of their own (reads, changes of the total: an operator's calls) that may wait at once;
 * one more is refused as overloaded (a 503 with Retry-After, worker/app.ts) before it changes
 * anything. Grant requests are never refused here: each shard has at most one in flight
 * (inventory/escrow-shard.ts `refilling`), so they wait in a line no longer than the shards.
 */
export const MAX_TURNS_WAITING = 32;

/** More operator turns wait than MAX_TURNS_WAITING: try again shortly; nothing changed. */
export class TurnsFull extends Error {
	override readonly name = "TurnsFull";
	readonly overloaded = true;
}

export class MoveGate {
	/** The last request that folds back, queued or running; null when none is. */
	foldingBack: Promise<void> | null = null;
	/** Grant requests in progress (queued fold backs included): units may be moving. */
	private moving = 0;
	/** A turn of its own in progress (a read or a change of the total): nothing else moves. */
	private alone = false;
	/** Turns of their own waiting in `queue`. */
	private aloneWaiting = 0;
	/** Requests and turns waiting, first come first served (a turn waits for the requests ahead). */
	private readonly queue: { alone: boolean; go: () => void }[] = [];

	/** A grant request: after the turns that came before it, and counted until it is done. */
	async move<T>(run: () => Promise<T>): Promise<T> {
		await this.enter(false);
		try {
			return await run();
		} finally {
			this.moving -= 1;
			this.next();
		}
	}

	/** Runs `run` (a fold back and its grant) after the fold backs queued before it. */
	async foldBackTurn<T>(run: () => Promise<T>): Promise<T> {
		const turn = (this.foldingBack ?? Promise.resolve()).then(run);
		const last = turn.then(
			() => {},
			() => {},
		);
		this.foldingBack = last;
		try {
			return await turn;
		} finally {
			if (this.foldingBack === last) this.foldingBack = null;
		}
	}

	/**
	 * Runs `read` once the requests in progress are done and `settle` delivered and collected
	 * what they left pending, with the requests that come meanwhile held until it ends (they
	 * wait one read of the shards at most; a read waits for the requests that came before it).
	 */
	still<T>(settle: () => Promise<void>, read: () => Promise<T>): Promise<T> {
		return this.ownTurn(async () => {
			await settle();
			return read();
		});
	}

	/**
	 * Runs `run` alone: after every request, read and change that came before it, with those
	 * that come meanwhile held until it ends. Throws TurnsFull (nothing run) when
	 * MAX_TURNS_WAITING turns already wait.
	 */
	async ownTurn<T>(run: () => Promise<T>): Promise<T> {
		if (this.aloneWaiting >= MAX_TURNS_WAITING) {
			throw new TurnsFull(`${MAX_TURNS_WAITING} operator calls already wait on this SKU`);
		}
		await this.enter(true);
		try {
			return await run();
		} finally {
			this.alone = false;
			this.next();
		}
	}

	private enter(alone: boolean): Promise<void> {
		if (this.queue.length === 0 && this.mayStart(alone)) {
			this.start(alone);
			return Promise.resolve();
		}
		if (alone) this.aloneWaiting += 1;
		return new Promise<void>((go) => this.queue.push({ alone, go }));
	}

	private mayStart(alone: boolean): boolean {
		return !this.alone && (!alone || this.moving === 0);
	}

	/** Counted in the same turn as the go-ahead: nothing starts between them. */
	private start(alone: boolean): void {
		if (alone) this.alone = true;
		else this.moving += 1;
	}

	private next(): void {
		for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
			if (!this.mayStart(head.alone)) return;
			this.queue.shift();
			if (head.alone) this.aloneWaiting -= 1;
			this.start(head.alone);
			head.go();
			if (head.alone) return;
		}
	}
}
