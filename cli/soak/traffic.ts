// The soak's mixed traffic, at a steady rate (open loop: one request every
// 1/rate s whatever the answers take, at most MAX_IN_FLIGHT waiting). The mix is
// a flash sale after the first minute, for a crowd of buyers that is there
// from the start: most attempts meet a sold-out SKU (keyed ones leave an
// Idempotency-Key record each, the growth this run watches), a live SKU turns
// its stock over through holds, checkouts, cancels and expiry, and buyers read
// availability.

import { randomBytes } from "node:crypto";
import { pick } from "../../test/support/random.ts";
import type { Answer, JsonClient } from "../drop/http.ts";

/** Share of each kind of request, in percent. */
export const MIX = {
	/** A new key on the sold-out SKU: a stored rejection. */
	reserveKeyed: 35,
	/** A key of the last few seconds again: answered from its record. */
	replay: 5,
	/** No key, sold-out SKU: answered at the edge from its copy. */
	reserveUnkeyed: 10,
	availability: 20,
	/** A new key on the live SKU: a hold while units are free, else sold out. */
	reserveLive: 15,
	checkout: 8,
	cancel: 7,
} as const;
export type Op = keyof typeof MIX | "restock";
/** The reserve attempts among the ops (what "per 1,000 attempts" counts). */
const ATTEMPT_OPS: ReadonlySet<Op> = new Set([
	"reserveKeyed",
	"replay",
	"reserveUnkeyed",
	"reserveLive",
]);

/** Requests waiting for an answer at most; beyond it a tick is skipped and counted. */
export const MAX_IN_FLIGHT = 64;
/** Live SKU: units in circulation (restocked as they sell), hold length, no purchase limit to speak of. */
export const LIVE_STOCK = 20;
export const LIVE_HOLD_SECONDS = 20;
const LIVE_PER_USER_LIMIT = 1000;
/** Holds remembered for checkout or cancel; older ones are left to expire. */
const MAX_TRACKED_HOLDS = 1_000;
/** Keys remembered for replays (the most recent). */
const MAX_REPLAY_KEYS = 200;
/** The live SKU is restocked when this many units were sold since the last restock. */
const RESTOCK_EVERY_UNITS = 10;
const CARD_OK = "pm_card_visa";

export interface Buyer {
	token: string;
}

interface HeldUnit {
	reservationId: string;
	token: string;
	expiresAtMs: number;
}

export interface TrafficCounts {
	/** Answers by op and HTTP status (0: no answer). */
	statuses: Record<string, Record<string, number>>;
	requests: number;
	attempts: number;
	/** Ticks skipped because MAX_IN_FLIGHT requests were still waiting (the server fell behind). */
	skipped: number;
	/** What went wrong, for the first MAX_FAILURE_NOTES answers that were none or a 5xx: "op status problem". */
	failureNotes: string[];
	/**
	 * Requests the client sent again because they met a kept-alive socket the server had just
	 * closed (a read, or the same Idempotency-Key: cli/drop/http.ts): answered, but shown.
	 */
	staleResends: number;
}

/** Enough to tell a timeout from a dropped connection or a server error, without growing with the run. */
export const MAX_FAILURE_NOTES = 20;

export type Mix = Record<keyof typeof MIX, number>;

export interface TrafficSetup {
	/** Shares of each kind of request (default MIX). */
	mix?: Mix;
	client: JsonClient;
	adminToken: string;
	soldOutSku: string;
	liveSku: string;
	/** Replaced in place when the sessions are renewed (run.ts). */
	buyers: Buyer[];
	random: () => number;
}

export class Traffic {
	readonly counts: TrafficCounts = {
		statuses: {},
		requests: 0,
		attempts: 0,
		skipped: 0,
		failureNotes: [],
		staleResends: 0,
	};
	private inFlight = 0;
	private readonly held: HeldUnit[] = [];
	private readonly recentKeys: { key: string; token: string }[] = [];
	private soldAtRestock = 0;
	private restocking = false;
	private readonly cumulative: [Op, number][];
	private readonly setup: TrafficSetup;

	constructor(setup: TrafficSetup) {
		this.setup = setup;
		let sum = 0;
		this.cumulative = (Object.entries(setup.mix ?? MIX) as [Op, number][]).map(([op, weight]) => {
			sum += weight;
			return [op, sum];
		});
	}

	/** Sends one request every 1000/rate ms until `untilMs` (performance.now()), then waits for the last answers. */
	async run(ratePerSecond: number, untilMs: number): Promise<void> {
		const intervalMs = 1000 / ratePerSecond;
		const startMs = performance.now();
		const pending = new Set<Promise<void>>();
		for (let tick = 0; ; tick++) {
			const dueMs = startMs + tick * intervalMs;
			if (dueMs >= untilMs) break;
			const waitMs = dueMs - performance.now();
			if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
			if (this.inFlight >= MAX_IN_FLIGHT) {
				this.counts.skipped += 1;
				continue;
			}
			const p = this.one(this.nextOp()).finally(() => pending.delete(p));
			pending.add(p);
		}
		await Promise.all(pending);
		this.counts.staleResends = this.setup.client.staleResends;
	}

	private nextOp(): Op {
		const r = this.setup.random() * (this.cumulative.at(-1)?.[1] ?? 0);
		for (const [op, upTo] of this.cumulative) if (r < upTo) return op;
		return "availability";
	}

	private buyer(): Buyer {
		return this.setup.buyers[pick(this.setup.random, this.setup.buyers.length)] as Buyer;
	}

	private async one(op: Op): Promise<void> {
		this.inFlight += 1;
		try {
			await this.send(op);
		} finally {
			this.inFlight -= 1;
		}
	}

	private count(op: Op, answer: Answer<unknown>): void {
		const byStatus = this.counts.statuses[op] ?? {};
		byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
		this.counts.statuses[op] = byStatus;
		this.counts.requests += 1;
		if (ATTEMPT_OPS.has(op)) this.counts.attempts += 1;
		const failed = answer.status === 0 || (answer.status >= 500 && answer.status !== 503);
		if (failed && this.counts.failureNotes.length < MAX_FAILURE_NOTES) {
			this.counts.failureNotes.push(`${op} ${answer.status} ${answer.problem ?? ""}`.trim());
		}
	}

	private async send(op: Op): Promise<void> {
		const { client, soldOutSku, liveSku } = this.setup;
		switch (op) {
			case "reserveKeyed": {
				const buyer = this.buyer();
				const key = `soak-${randomBytes(9).toString("hex")}`;
				const answer = await this.reserve(soldOutSku, buyer, key);
				this.count(op, answer);
				this.recentKeys.push({ key, token: buyer.token });
				if (this.recentKeys.length > MAX_REPLAY_KEYS) this.recentKeys.shift();
				return;
			}
			case "replay": {
				const recent = this.recentKeys[pick(this.setup.random, this.recentKeys.length)];
				if (recent === undefined) return this.send("reserveKeyed");
				this.count(op, await this.reserve(soldOutSku, { token: recent.token }, recent.key));
				return;
			}
			case "reserveUnkeyed":
				this.count(op, await this.reserve(soldOutSku, this.buyer(), null));
				return;
			case "availability": {
				const sku = this.setup.random() < 0.5 ? liveSku : soldOutSku;
				const answer = await client.request<{ sold: number }>(
					"GET",
					`/api/products/${sku}/availability`,
				);
				this.count(op, answer);
				if (sku === liveSku && answer.data !== null) void this.restockIfSold(answer.data.sold);
				return;
			}
			case "reserveLive": {
				const buyer = this.buyer();
				const answer = await this.reserve(
					liveSku,
					buyer,
					`soak-live-${randomBytes(9).toString("hex")}`,
				);
				this.count(op, answer);
				const hold = answer.data as { reservationId?: string; expiresAt?: string } | null;
				if (answer.status === 201 && hold?.reservationId !== undefined) {
					this.held.push({
						reservationId: hold.reservationId,
						token: buyer.token,
						expiresAtMs: Date.parse(hold.expiresAt ?? ""),
					});
					if (this.held.length > MAX_TRACKED_HOLDS) this.held.shift();
				}
				return;
			}
			case "checkout":
			case "cancel": {
				const unit = this.takeHeld();
				if (unit === undefined) return this.send("availability");
				const answer =
					op === "checkout"
						? await client.request("POST", "/api/checkout", {
								token: unit.token,
								headers: { "Idempotency-Key": `soak-pay-${randomBytes(9).toString("hex")}` },
								body: { reservationId: unit.reservationId, paymentMethod: CARD_OK },
							})
						: await client.request("DELETE", `/api/reservations/${unit.reservationId}`, {
								token: unit.token,
							});
				this.count(op, answer);
				return;
			}
			case "restock":
				return;
		}
	}

	private reserve(sku: string, buyer: Buyer, key: string | null) {
		return this.setup.client.request("POST", "/api/reservations", {
			token: buyer.token,
			body: { sku },
			headers: key === null ? {} : { "Idempotency-Key": key },
		});
	}

	/** A hold that has not expired yet (expired ones are dropped on the way). */
	private takeHeld(): HeldUnit | undefined {
		const now = Date.now();
		while (this.held.length > 0) {
			const i = pick(this.setup.random, this.held.length);
			const [unit] = this.held.splice(i, 1);
			if (unit !== undefined && unit.expiresAtMs > now + 1000) return unit;
		}
		return undefined;
	}

	/** Keeps LIVE_STOCK units in circulation: sold units are added back to totalStock. */
	private async restockIfSold(sold: number): Promise<void> {
		if (this.restocking || sold - this.soldAtRestock < RESTOCK_EVERY_UNITS) return;
		this.restocking = true;
		try {
			const answer = await this.setup.client.request(
				"PATCH",
				`/api/admin/products/${this.setup.liveSku}`,
				{ token: this.setup.adminToken, body: { totalStock: sold + LIVE_STOCK } },
			);
			this.count("restock", answer);
			if (answer.status === 200) this.soldAtRestock = sold;
		} finally {
			this.restocking = false;
		}
	}
}

/** The products and buyers of a soak (created before the clock starts). */
export const LIVE_PRODUCT = {
	totalStock: LIVE_STOCK,
	holdSeconds: LIVE_HOLD_SECONDS,
	perUserLimit: LIVE_PER_USER_LIMIT,
};
