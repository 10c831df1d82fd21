// A local simulation of Cloudflare's per-object request limit (docs/capacity.md):
// with OBJECT_CALLS_PER_SEC set, a SKU object lets that many reserve calls a
// second through and queues the rest in arrival order, like a token bucket
// with no burst. Off by default; it exists so the shards bench can show that K
// shards carry about K times the attempts of one object under the same limit,
// which this machine's two cores cannot show otherwise.

/** A call that would wait longer than this is refused (Cloudflare answers an overloaded object with an error too). */
export const MAX_EMULATED_QUEUE_MS = 10_000;

/** How the refusal reads; the Worker answers it 503 by its `overloaded` mark (worker/app.ts). */
export const OBJECT_OVERLOADED = "object over its emulated limit";

/**
 * Marked `overloaded` like the error Cloudflare raises for an object with too many requests
 * queued, so the Worker's onError (worker/app.ts) answers both with one branch.
 */
export class ObjectOverloaded extends Error {
	override readonly name = "ObjectOverloaded";
	readonly overloaded = true;
}

export class CallGate {
	/** The moment the next call may pass (this object's clock). */
	private nextFreeMs = 0;
	private readonly spacingMs: number;

	constructor(callsPerSec: number) {
		this.spacingMs = 1000 / callsPerSec;
	}

	/** Null when the call may run now; else a promise that resolves at its turn. */
	pass(nowMs = Date.now()): Promise<void> | null {
		const at = Math.max(this.nextFreeMs, nowMs);
		const waitMs = at - nowMs;
		if (waitMs > MAX_EMULATED_QUEUE_MS) {
			return Promise.reject(
				new ObjectOverloaded(`${OBJECT_OVERLOADED} (queue ${Math.round(waitMs)} ms)`),
			);
		}
		this.nextFreeMs = at + this.spacingMs;
		if (waitMs <= 0) return null;
		return new Promise((resolve) => setTimeout(resolve, waitMs));
	}
}
