// The simulated buyers, and how they behave so that a drop against a server
// with its rate limits on (the default) measures the sale, not the limiter:
//
// - each buyer has its own session and, against a loopback target, its own
//   client address (CF-Connecting-IP, which local mode takes from the client:
//   docs/rate-limits.md, "Client IPs locally"), as people in a real drop do — so the per-IP
//   layer sees one person per address, not 20,000 people behind one;
// - each reads the product before the drop (the "prior read" of the verified
//   tier: docs/rate-limits.md, "Tiers and bot signals");
// - each has one attempt in flight at a time and pauses an irregular while
//   before the next, never less than the server's per-session limit allows and
//   far from a burst or a machine rhythm (src/domain/botsignals.ts).
//
// Whatever the server still refuses is counted and reported, never retried away.

import { BURST_COUNT, BURST_WINDOW_MS } from "../../src/domain/botsignals.ts";
import type { RateLimitConfig } from "../../src/ratelimit/config.ts";
import { pick } from "../../test/support/random.ts";

export interface Buyer {
	sessionId: string;
	token: string;
	/** The client address the buyer presents (CF-Connecting-IP); null sends none. */
	ip: string | null;
}

/** A person clicks again at the earliest this long after seeing an answer. */
export const THINK_MIN_MS = 350;
/** Pauses are drawn uniformly from [min, min × this]: irregular (CV ≈ 0.35), like people. */
export const THINK_SPREAD = 4;
/** Slack over the server's own spacing: arrival times shift with the network and the event loop. */
const LIMIT_MARGIN = 1.1;

/** The client address the drop's operator traffic presents (setup, sampler, records). */
export const OPERATOR_IP = "2001:db8:d409:1::1";

/** Buyers' /64s start at 2001:db8:b000::/64: room for 2^28 buyers, none in the operator's 2001:db8:d409::/48. */
const BUYER_PREFIX_BASE = 0xb000;

/**
 * Buyer i's address, in the IPv6 documentation prefix (RFC 3849): never a real
 * client's, and enough of them for every buyer a run allows. Each buyer has a /64 of its own:
 * the server counts an IPv6 client by its /64 (src/domain/client-key.ts), so addresses that
 * differed only in their last 64 bits would be one client to every per-address limit.
 */
export function buyerIp(i: number): string {
	const hi = (BUYER_PREFIX_BASE + (i >>> 16)).toString(16);
	return `2001:db8:${hi}:${(i & 0xffff).toString(16)}::1`;
}

/**
 * Synthetic client addresses only against a loopback target: local mode takes
 * CF-Connecting-IP from the client, Cloudflare's edge sets it itself.
 */
export function sendsClientIps(url: string): boolean {
	const host = new URL(url).hostname;
	return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function ipHeader(ip: string | null): Record<string, string> {
	return ip === null ? {} : { "cf-connecting-ip": ip };
}

/**
 * The shortest pause between one buyer's attempts: enough that a session never
 * passes the server's per-session limit in force (its sliding window counts an
 * attempt for up to one slot, 1/60 of the window, longer) nor looks like a burst.
 */
export function thinkMinMs(limits: RateLimitConfig | null): number {
	const burstSpacingMs = BURST_WINDOW_MS / (BURST_COUNT - 1);
	let limitSpacingMs = 0;
	if (limits !== null && limits.reserve.verified > 0) {
		limitSpacingMs = ((limits.windowMs * 61) / 60 / limits.reserve.verified) * LIMIT_MARGIN;
	}
	return Math.ceil(Math.max(THINK_MIN_MS, burstSpacingMs * LIMIT_MARGIN, limitSpacingMs));
}

/**
 * Buyers waiting to act: `next` hands out a random buyer who is neither in
 * flight nor pausing (waiting when there is none), `rest` puts one back after
 * a pause. Without pacing every buyer is always ready (the old hammering).
 */
export class BuyerQueue {
	private readonly ready: Buyer[];
	private readonly all: readonly Buyer[];
	private readonly waiters: (() => void)[] = [];
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly random: () => number;
	private readonly pacing: boolean;
	private readonly minMs: number;
	private closed = false;

	constructor(buyers: readonly Buyer[], random: () => number, pacing: boolean, minMs: number) {
		this.all = buyers;
		this.ready = [...buyers];
		this.random = random;
		this.pacing = pacing;
		this.minMs = minMs;
	}

	/** A buyer to act now; null once closed. */
	async next(): Promise<Buyer | null> {
		if (!this.pacing)
			return this.closed ? null : (this.all[pick(this.random, this.all.length)] ?? null);
		for (;;) {
			if (this.closed) return null;
			if (this.ready.length > 0) {
				const i = pick(this.random, this.ready.length);
				const buyer = this.ready[i] as Buyer;
				// Swap-remove: order among the ready does not matter, the pick is random.
				this.ready[i] = this.ready[this.ready.length - 1] as Buyer;
				this.ready.pop();
				return buyer;
			}
			await new Promise<void>((resolve) => this.waiters.push(resolve));
		}
	}

	/** The buyer saw its answer: ready again after an irregular pause. */
	rest(buyer: Buyer): void {
		if (!this.pacing || this.closed) return;
		const pauseMs = this.minMs * (1 + (THINK_SPREAD - 1) * this.random());
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			this.ready.push(buyer);
			this.waiters.shift()?.();
		}, pauseMs);
		this.timers.add(timer);
	}

	/** Stops handing out buyers; waiting callers get null. */
	close(): void {
		this.closed = true;
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		for (const wake of this.waiters.splice(0)) wake();
	}
}
