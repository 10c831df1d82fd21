// Eventual mode, simulated the way src/worker/eventual.ts builds it on D1 (docs/demo.md, step 3):
// read the remaining count, pause, write it back minus the quantity. Requests
// that overlap in the pause all read the same count, so the writes lose each
// other's updates and more units are allocated than exist (oversellDelta).

export const EVENTUAL_PAUSE_MS = 100;

export class EventualStock {
	remaining: number;
	allocated = 0;

	constructor(public total: number) {
		this.remaining = total;
	}

	get oversellDelta(): number {
		return Math.max(0, this.allocated - this.total);
	}

	/** The lost-update pattern, on purpose: no lock between the read and the write. */
	async allocate(quantity: number, pause: (ms: number) => Promise<void>): Promise<boolean> {
		const seen = this.remaining; // "SELECT remaining"
		if (seen < quantity) return false;
		await pause(EVENTUAL_PAUSE_MS);
		this.remaining = seen - quantity; // "UPDATE … SET remaining = ?" with a stale value
		this.allocated += quantity;
		return true;
	}

	reset(): void {
		this.remaining = this.total;
		this.allocated = 0;
	}
}
