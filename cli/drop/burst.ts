// The burst: `attempts` reserve requests at up to `concurrency` in flight, each
// from a random buyer who is free to act (buyers.ts: one attempt at a time and
// a pause between, like people; without pacing any buyer at any time). A share
// carries an Idempotency-Key, and a few go out as two copies at the same moment
// with the same key (docs/api.md: same key → the stored answer, never a second hold;
// each copy's status and code are kept for duplicates.ts).
// Every answer goes into the tally; a 201 is a hold, a 429 a refusal counted
// like any other. A buyer granted a hold acts on it (`onHold`, acts.ts) and makes no
// other attempt until that is done, as a person at a checkout page would.

import type { Reservation } from "../../src/shared/types.ts";
import { pick } from "../../test/support/random.ts";
import { type Buyer, BuyerQueue, ipHeader } from "./buyers.ts";
import type { DuplicateSend } from "./duplicates.ts";
import { type Answer, type JsonClient, pool } from "./http.ts";
import { Latency } from "./latency.ts";
import type { DropOptions } from "./options.ts";
import { RANDOM_QUANTITY_MAX } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { TallyHold } from "./types.ts";

/** An unexpected answer is quoted this far in the counts (enough to tell what it was). */
const MAX_PROBLEM_CHARS = 80;

export interface BurstResult {
	/** Requests sent (a duplicate pair counts two). */
	attempts: number;
	/** Requests with no answer or a 5xx: the client cannot know whether they took a hold. */
	unanswered: number;
	statusCounts: Record<string, number>;
	/** Error codes of the refusals (sold_out, purchase_limit, …). */
	codeCounts: Record<string, number>;
	holds: TallyHold[];
	duplicates: DuplicateSend[];
	latency: Latency;
	elapsedSec: number;
	/** Wall-clock end of the burst (epoch ms), for the expiry wait. */
	endedAtMs: number;
}

export interface BurstInput {
	client: JsonClient;
	options: DropOptions;
	sku: string;
	buyers: Buyer[];
	/** Shortest pause between one buyer's attempts (buyers.ts thinkMinMs). */
	thinkMinMs: number;
	random: () => number;
	runId: string;
	progress: Progress;
	/** True once the run's time is up: no new request goes out. */
	expired: () => boolean;
	/**
	 * A hold was just granted to `buyer` (safe mode: acts.ts Acts.take); settles once the buyer
	 * is done with it. None: every hold waits for the end of the burst as it is.
	 */
	onHold?: (hold: TallyHold, buyer: Buyer) => Promise<void>;
}

export async function runBurst(input: BurstInput): Promise<BurstResult> {
	const { client, options, sku, buyers, random, runId, progress } = input;
	const pairs = options.duplicates;
	const jobs = options.attempts - pairs;
	// Pairs are spread evenly through the burst, so some land while stock lasts.
	const pairEvery = pairs > 0 ? Math.max(1, Math.floor(jobs / pairs)) : 0;
	const isPair = (i: number) => pairs > 0 && i % pairEvery === 0 && i / pairEvery < pairs;

	const latency = new Latency();
	const statusCounts: Record<string, number> = {};
	const codeCounts: Record<string, number> = {};
	const holds = new Map<string, TallyHold>();
	const duplicates: DuplicateSend[] = [];
	let sent = 0;
	let answered = 0;
	let unanswered = 0;
	const startedMs = performance.now();

	/** One reserve request; a new hold's act (onHold) goes into `acting`. */
	const send = async (
		buyer: Buyer,
		quantity: number,
		key: string | null,
		acting: Promise<void>[],
	) => {
		sent++;
		const answer = await client.request<Reservation>("POST", "/api/reservations", {
			token: buyer.token,
			body: options.mode === "eventual" ? { sku, quantity, mode: "eventual" } : { sku, quantity },
			headers: { ...ipHeader(buyer.ip), ...(key !== null ? { "idempotency-key": key } : {}) },
		});
		answered++;
		statusCounts[answer.status] = (statusCounts[answer.status] ?? 0) + 1;
		if (answer.status === 0 || answer.status >= 500) unanswered++;
		if (answer.status !== 0) latency.record(answer.latencyMs);
		const code = refusalCode(answer);
		if (code !== null) codeCounts[code] = (codeCounts[code] ?? 0) + 1;
		const r = answer.data;
		if (answer.status === 201 && r !== null && !holds.has(r.reservationId)) {
			const hold: TallyHold = {
				reservationId: r.reservationId,
				sessionId: buyer.sessionId,
				quantity: r.quantity,
				expiresAt: r.expiresAt,
				fate: "expire",
				expected: null,
				orderIds: [],
			};
			holds.set(r.reservationId, hold);
			if (input.onHold !== undefined) acting.push(input.onHold(hold, buyer));
		}
		return answer;
	};

	const queue = new BuyerQueue(buyers, random, options.pacing, input.thinkMinMs);
	await pool(
		jobs,
		options.concurrency,
		async (i) => {
			const buyer = await queue.next();
			if (buyer === null) return;
			const quantity = options.randomQuantity ? 1 + pick(random, RANDOM_QUANTITY_MAX) : 1;
			const acting: Promise<void>[] = [];
			if (isPair(i)) {
				const key = `${runId}-dup-${i}`;
				const answers = await Promise.all([
					send(buyer, quantity, key, acting),
					send(buyer, quantity, key, acting),
				]);
				duplicates.push({
					key,
					answers: answers.map((a) => ({
						status: a.status,
						code: refusalCode(a),
						reservationId: a.status === 201 ? (a.data?.reservationId ?? null) : null,
					})),
				});
			} else {
				const key = random() < options.idempotentRate ? `${runId}-a-${i}` : null;
				await send(buyer, quantity, key, acting);
			}
			// The pool goes on with other buyers; this one comes back once done with its hold.
			if (acting.length === 0) queue.rest(buyer);
			else void Promise.all(acting).then(() => queue.rest(buyer));
			const elapsedSec = (performance.now() - startedMs) / 1000;
			progress.update(
				`burst: ${answered}/${options.attempts} answered, ${holds.size} holds, ${Math.round(answered / elapsedSec)} req/s`,
			);
		},
		input.expired,
	);
	queue.close();

	const elapsedSec = Math.max(performance.now() - startedMs, 1) / 1000;
	return {
		attempts: sent,
		unanswered,
		statusCounts,
		codeCounts,
		holds: [...holds.values()],
		duplicates,
		latency,
		elapsedSec,
		endedAtMs: Date.now(),
	};
}

/** Error code of a refusal; for an answer without the API's envelope, what came instead. */
function refusalCode(answer: Answer<unknown>): string | null {
	if (answer.error !== null) return answer.error.code;
	if (answer.status >= 200 && answer.status < 300) return null;
	return `HTTP ${answer.status}: ${(answer.problem ?? "no error envelope").slice(0, MAX_PROBLEM_CHARS)}`;
}
