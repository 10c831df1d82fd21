// The order of a split SKU's grant requests in its coordinator (inventory/escrow.ts,
// docs/decisions/167-sold-out-means-none-anywhere.md): the requests that fold back run one
// at a time, so none takes the units another's fold back brought before that one is
// granted them; and a whole-SKU read that needs no unit in flight (GET …/stats: the pool
// and every allotment add up to the total) waits for the requests in progress while new
// ones wait for it. Nothing else moves a unit between the pool and a shard (a fold back
// runs inside a request; a cut of totalStock is an operator's change of its own).

export class MoveGate {
	/** The last request that folds back, queued or running; null when none is. */
	foldingBack: Promise<void> | null = null;
	/** Grant requests in progress (queued fold backs included): units may be moving. */
	private moving = 0;
	/** A read in progress: nothing moves. */
	private reading = false;
	/** Requests and reads waiting, first come first served (a read waits for the requests ahead). */
	private readonly queue: { read: boolean; go: () => void }[] = [];

	/** A grant request: after the reads that came before it, and counted until it is done. */
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
	async still<T>(settle: () => Promise<void>, read: () => Promise<T>): Promise<T> {
		await this.enter(true);
		try {
			await settle();
			return await read();
		} finally {
			this.reading = false;
			this.next();
		}
	}

	private enter(read: boolean): Promise<void> {
		if (this.queue.length === 0 && this.mayStart(read)) {
			this.start(read);
			return Promise.resolve();
		}
		return new Promise<void>((go) => this.queue.push({ read, go }));
	}

	private mayStart(read: boolean): boolean {
		return !this.reading && (!read || this.moving === 0);
	}

	/** Counted in the same turn as the go-ahead: nothing starts between them. */
	private start(read: boolean): void {
		if (read) this.reading = true;
		else this.moving += 1;
	}

	private next(): void {
		for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
			if (!this.mayStart(head.read)) return;
			this.queue.shift();
			this.start(head.read);
			head.go();
			if (head.read) return;
		}
	}
}
