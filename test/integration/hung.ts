// A call a storage test expects to end, bounded so that one that hangs fails the test with a
// message naming it instead of at the project's test timeout. Not a latency assertion: the bound
// is far past every deadline the edge and the outbox set (D1_DEADLINE_MS, KV_DEADLINE_MS).

import { DeadlinePassed, withDeadline } from "../../src/shared/deadline.ts";

export const HUNG_MS = 20_000;

export function unlessHung<T>(what: string, call: Promise<T>): Promise<T> {
	return withDeadline(call, HUNG_MS).catch((error: unknown) => {
		throw error instanceof DeadlinePassed ? new Error(`${what}: no answer (hung)`) : error;
	});
}
