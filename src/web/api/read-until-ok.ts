// A read the page cannot work without (the product, the human check's settings): tried
// again by itself until it succeeds, with the live feed's backoff and never sooner than the
// answer's Retry-After, so a busy moment at a drop's opening needs no reload.

import type { ApiErr, ApiOk, ApiResult } from "./client.ts";
import { backoffMs } from "./live-protocol.ts";

/**
 * Starts reading and returns what stops it (an effect's cleanup). `failed` says why the
 * page is still waiting and whether to try again (false: an answer no retry can change).
 */
export function readUntilOk<T>(
	read: () => Promise<ApiResult<T>>,
	on: { ok(answer: ApiOk<T>): void; failed(err: ApiErr): boolean },
): () => void {
	let stopped = false;
	let attempt = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const load = async () => {
		const r = await read();
		if (stopped) return;
		if (r.ok) return on.ok(r);
		if (!on.failed(r)) return;
		attempt += 1;
		const waitMs = Math.max(backoffMs(attempt), (r.retryAfterSeconds ?? 0) * 1000);
		timer = setTimeout(() => void load(), waitMs);
	};
	void load();
	return () => {
		stopped = true;
		if (timer !== undefined) clearTimeout(timer);
	};
}
