// A promise bounded in time. Runtime-neutral: the Worker's storage calls
// (worker/storage-errors.ts) and the SKU object's outbox (inventory/outbox.ts).

/** What a call that missed its deadline rejects with: told apart from the call's own failures. */
export class DeadlinePassed extends Error {
	constructor(readonly ms: number) {
		super(`no answer within ${ms} ms`);
		this.name = "DeadlinePassed";
	}
}

/**
 * `promise`, or a rejection with DeadlinePassed once `ms` has passed without its answer. The call
 * itself is not cancelled (storage calls cannot be): it may still land later, which a caller
 * that writes must allow for. One timer per call, cleared as soon as it answers.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new DeadlinePassed(ms)), ms);
	});
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
