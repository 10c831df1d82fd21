// A live socket's own messages, bounded (docs/decisions/162-a-live-sockets-messages-and-the-public-trail.md).
// The feed needs no client message but the keep-alive, which the runtime answers without waking
// the object (src/shared/live-keepalive.ts). Any other message, an "ask" for the state (docs/api.md:
// GET …/live), wakes the SKU's object, the one that decides its reserves and checkouts. So a
// socket may ask LIVE_ASKS.burst times at once and once more every LIVE_ASKS.refillMs; the message
// past that closes it with LIVE_FLOOD_CLOSE_CODE. A flood then costs the object a handful of wakes
// per upgrade, and upgrades are bounded by the address's places and its reads budget; a client that
// ignores the close costs a wake per frame still, each dropped unread (decision 171).

import { ADDRESS_TAG_PREFIX } from "./live-places.ts";

/** How many asks a socket may send. */
export interface AskBounds {
	/** At once. */
	burst: number;
	/** One regained every this long, up to `burst`. */
	refillMs: number;
}

/**
 * The feed's: 2 at once, then 1 every 10 s. The feed sends the state on connect and after every
 * change, so an ask is only for a client that wants it again, and the pages send none. Kept this
 * low, every place of a SKU's feed asking at the limit wakes its object at most
 * MAX_LIVE_SOCKETS / 10 times a second (500 at the default), not once a second per place
 * (docs/decisions/171-a-client-that-ignores-the-close-and-the-feeds-asks.md).
 */
export const LIVE_ASKS: AskBounds = { burst: 2, refillMs: 10_000 };

/**
 * The close code of a socket that sent more than that: in the range WebSocket leaves to
 * applications (4000–4999), 429 after HTTP's Too Many Requests, as 4408 is the idle close's.
 */
export const LIVE_FLOOD_CLOSE_CODE = 4429;

/** The close's reason, naming the bound (at most 123 bytes, as a close reason may be). */
export function floodCloseReason({ burst, refillMs }: AskBounds = LIVE_ASKS): string {
	return `too many messages: at most ${burst} at once, then 1 every ${refillMs / 1000} s, besides the keep-alive`;
}

/** A socket's asks left, counted up to `atMs` (kept in its attachment, so hibernation keeps it). */
export interface AskBudget {
	left: number;
	atMs: number;
}

/** The budget after one more ask at `nowMs` (none yet: a full one); null when it has none left. */
export function spendAsk(
	budget: AskBudget | undefined,
	nowMs: number,
	{ burst, refillMs }: AskBounds | undefined = LIVE_ASKS,
): AskBudget | null {
	const was = budget ?? { left: burst, atMs: nowMs };
	const regained = Math.floor(Math.max(0, nowMs - was.atMs) / refillMs);
	const left = Math.min(burst, was.left + regained);
	if (left < 1) return null;
	// A full budget counts from now; else from the last whole interval regained, so none is lost.
	const atMs = left === burst ? nowMs : was.atMs + regained * refillMs;
	return { left: left - 1, atMs };
}

/** What the Worker's 429 says to an address refused for its cool-down (docs/api.md). */
const FLOOD_REFUSAL =
	"Your address's live feed of this product sent more messages than it takes and was closed: connect again in a few seconds, or read availability instead.";

/** How long an address whose socket was closed for flooding is refused new sockets. */
export const LIVE_FLOOD_COOLDOWN_MS = 5_000;
/** Addresses remembered at most, the oldest forgotten first: memory stays bounded. */
const MAX_FLOODED_ADDRESSES = 10_000;

/**
 * The addresses (their sockets' tag) one of whose sockets was closed for flooding, each until its
 * cool-down ends: their upgrades are refused meanwhile. A flood cannot come straight back on a new
 * socket to send again what fits in flight before its close arrives (the runtime delivers it).
 * Memory only: a sleep forgets, and an object sleeps only when nothing floods it.
 */
export class FloodedAddresses {
	/** Each address's end of cool-down; all have the same length, so insertion order is end order. */
	private readonly until = new Map<string, number>();

	/** A socket with these tags was closed for flooding at `nowMs`: its address cools down. */
	add(tags: readonly string[], nowMs: number): void {
		const tag = tags.find((t) => t.startsWith(ADDRESS_TAG_PREFIX));
		if (tag === undefined) return;
		this.until.delete(tag);
		this.until.set(tag, nowMs + LIVE_FLOOD_COOLDOWN_MS);
		for (const [old, endsMs] of this.until) {
			if (this.until.size <= MAX_FLOODED_ADDRESSES && endsMs > nowMs) break;
			this.until.delete(old);
		}
	}

	cooling(tag: string, nowMs: number): boolean {
		return (this.until.get(tag) ?? 0) > nowMs;
	}

	/**
	 * The 429 for an upgrade whose address carries `tags` (today's and the day before's, decision
	 * 160; null where it has none) while either cools down; null when neither does.
	 */
	refusal(tags: readonly (string | null)[], nowMs: number): Response | null {
		if (!tags.some((tag) => tag !== null && this.cooling(tag, nowMs))) return null;
		return new Response(FLOOD_REFUSAL, { status: 429 });
	}
}
