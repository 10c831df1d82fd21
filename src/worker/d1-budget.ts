// The time one request gives D1 (docs/decisions/113-one-d1-budget-per-request.md).
//
// Every D1 call already has its own deadline (D1_DEADLINE_MS, worker/storage-errors.ts), but a
// route that waits on D1 more than once (the trails: the object's flush of its outbox, then the
// page's read; eventual mode: a read, then a write) could wait that deadline once per wait. A
// D1Budget gives the request one D1_DEADLINE_MS for all its waits: each gets what is left, and
// one that would start with nothing left fails at once. Past it the request answers what a D1
// outage answers (503 `unavailable`, Retry-After).
//
// Where what D1 adds to an answer is optional (the stats' eventual figure, a create's catalogue
// row, a reset's copy of its event to D1), the request waits OPTIONAL_D1_WAIT_MS and answers
// without it (`unlessSlow`).
//
// Only routes that call D1 build one: the hot path (a SKU the isolate knows) makes no D1 call and
// starts no timer here.

import { D1_DEADLINE_MS, OPTIONAL_D1_WAIT_MS } from "../domain/bounds.ts";
import { DeadlinePassed, withDeadline } from "../shared/deadline.ts";
import type { Ctx } from "./http.ts";
import { StorageUnavailable } from "./storage-errors.ts";

function spent(): StorageUnavailable {
	return new StorageUnavailable("D1", new DeadlinePassed(D1_DEADLINE_MS));
}

/**
 * One request's D1_DEADLINE_MS, counted from its first wait; or from `startsAtMs`, when the request
 * may have waited on D1 before it built the budget (the SKU check of a SKU this isolate has not
 * seen, worker/catalogue.ts: up to CATALOGUE_LOOKUP_WAIT_MS), so that wait counts in it too.
 */
export class D1Budget {
	private endsAtMs: number | null;

	constructor(startsAtMs: number | null = null) {
		this.endsAtMs = startsAtMs === null ? null : startsAtMs + D1_DEADLINE_MS;
	}

	/**
	 * `call()` bounded by what is left of the budget (all of it on the first wait). Past it:
	 * StorageUnavailable, as a failing D1; with nothing left `call` is not made. The call itself is
	 * not cancelled (src/shared/deadline.ts): a write may still land later.
	 */
	wait<T>(call: () => Promise<T>): Promise<T> {
		const nowMs = Date.now();
		this.endsAtMs ??= nowMs + D1_DEADLINE_MS;
		const leftMs = this.endsAtMs - nowMs;
		if (leftMs <= 0) return Promise.reject(spent());
		return withDeadline(call(), leftMs).catch((error: unknown) => {
			throw error instanceof DeadlinePassed ? spent() : error;
		});
	}
}

/**
 * A SKU object's flush of its outbox to D1 (true: every event is in D1) waited for within
 * `budget`: false past it, as a flush D1 failed. The object's flush goes on (its outbox counts a
 * batch past D1's deadline as failed, inventory/outbox.ts); only this request stops waiting.
 */
export async function flushedWithin(
	budget: D1Budget,
	flush: () => Promise<boolean>,
): Promise<boolean> {
	try {
		return await budget.wait(flush);
	} catch (error) {
		if (error instanceof StorageUnavailable) return false;
		throw error;
	}
}

/**
 * `call`'s answer if it comes within OPTIONAL_D1_WAIT_MS, else `instead`. The call goes on (under
 * the request's waitUntil, bounded by its own deadline), so a write still lands after the answer;
 * its failure then is its own to report.
 */
export async function unlessSlow<T, U>(c: Ctx, call: Promise<T>, instead: U): Promise<T | U> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let slow = false;
	const patience = new Promise<U>((resolve) => {
		timer = setTimeout(() => {
			slow = true;
			resolve(instead);
		}, OPTIONAL_D1_WAIT_MS);
	});
	try {
		return await Promise.race([call, patience]);
	} finally {
		clearTimeout(timer);
		if (slow) keepAlive(c, call);
	}
}

function keepAlive(c: Ctx, call: Promise<unknown>): void {
	try {
		c.executionCtx.waitUntil(call.catch(() => undefined));
	} catch {
		// No execution context (a direct app.fetch call without one): the call still runs.
	}
}
