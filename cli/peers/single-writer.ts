// Peer (c) — the single writer (docs/benchmarks.md, "The peers"): attempts wait in an in-memory queue, and one writer loop
// takes batches of up to 250 every 10 ms and applies each batch in ONE PostgreSQL transaction
// (lock the rows, decrement, multi-row insert of the holds). Every attempt is answered only after
// its batch COMMITs, so an acknowledged hold is durable, exactly as in the other peers.

import pg from "pg";
import {
	type Hold,
	newHold,
	type PeerEngine,
	type ReserveOutcome,
	type ReserveRequest,
	requiredEnv,
	servePeerFromEnv,
} from "./common.ts";
import { openSchemaPool, setupSku, skuStats } from "./pg-schema.ts";

/** The brief's figures: batches of 250 per 10 ms (docs/benchmarks.md). */
export const BATCH_MAX = 250;
export const BATCH_INTERVAL_MS = 10;
/** Beyond this many waiting attempts the peer sheds load with 503 instead of growing memory. */
export const QUEUE_MAX = 100_000;
/** Setup and stats only; the hot path has its own dedicated connection. */
const ADMIN_POOL_SIZE = 2;

type Pending = { request: ReserveRequest; resolve: (outcome: ReserveOutcome) => void };

const LOCK = {
	name: "sw_lock",
	text: "SELECT sku, available FROM inventory WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE",
};
const TAKE = {
	name: "sw_take",
	text: `UPDATE inventory SET available = available - d.taken
	       FROM unnest($1::text[], $2::int[]) AS d(sku, taken) WHERE inventory.sku = d.sku`,
};
// One statement for the whole batch: unnest turns parallel arrays into rows.
const RECORD = {
	name: "sw_record",
	text: `INSERT INTO holds (id, sku, session_id, quantity, created_at, expires_at)
	       SELECT id, sku, session_id, quantity, to_timestamp(created_ms / 1000.0), to_timestamp(expires_ms / 1000.0)
	       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::float8[])
	         AS h(id, sku, session_id, quantity, created_ms, expires_ms)`,
};

export async function createSingleWriterEngine(databaseUrl: string): Promise<PeerEngine> {
	const admin = await openSchemaPool(databaseUrl, "single_writer", ADMIN_POOL_SIZE);
	const writer = new SingleWriter(databaseUrl);
	await writer.connect();
	return {
		reserve: (request) => writer.enqueue(request),
		setup: (sku, stock) => setupSku(admin, sku, stock),
		stats: (sku) => skuStats(admin, sku),
		async close() {
			await writer.close();
			await admin.end();
		},
	};
}

class SingleWriter {
	private readonly databaseUrl: string;
	private client: pg.Client | undefined;
	private queue: Pending[] = [];
	private closed = false;
	private lastBatchStartMs = 0;
	/** Wakes the loop when it sleeps on an empty queue, a not-yet-due batch, or shutdown. */
	private wake: (() => void) | undefined;
	private loop: Promise<void> = Promise.resolve();

	constructor(databaseUrl: string) {
		this.databaseUrl = databaseUrl;
	}

	async connect(): Promise<void> {
		this.client = await this.openClient();
		this.loop = this.run();
	}

	enqueue(request: ReserveRequest): Promise<ReserveOutcome> {
		if (this.closed || this.queue.length >= QUEUE_MAX) {
			return Promise.resolve({ ok: false, code: "unavailable" });
		}
		return new Promise((resolve) => {
			this.queue.push({ request, resolve });
			if (this.queue.length === 1 || this.queue.length >= BATCH_MAX) this.wake?.();
		});
	}

	async close(): Promise<void> {
		this.closed = true;
		this.wake?.();
		await this.loop;
		await this.client?.end();
	}

	private async run(): Promise<void> {
		while (!this.closed || this.queue.length > 0) {
			if (this.queue.length === 0) {
				await this.sleep(undefined);
				continue;
			}
			// Next batch at the next 10 ms tick — or at once when a full batch is already waiting,
			// or when the previous batch overran its tick ("as soon as the previous one finished").
			const dueInMs = this.lastBatchStartMs + BATCH_INTERVAL_MS - performance.now();
			if (dueInMs > 0 && this.queue.length < BATCH_MAX && !this.closed) {
				await this.sleep(dueInMs);
				continue;
			}
			this.lastBatchStartMs = performance.now();
			const batch = this.queue.splice(0, BATCH_MAX);
			const outcomes = await this.apply(batch.map((pending) => pending.request));
			batch.forEach((pending, i) => {
				pending.resolve(outcomes[i] ?? { ok: false, code: "unavailable" });
			});
		}
	}

	private sleep(timeoutMs: number | undefined): Promise<void> {
		return new Promise((resolve) => {
			let timer: NodeJS.Timeout | undefined;
			const done = () => {
				clearTimeout(timer);
				this.wake = undefined;
				resolve();
			};
			if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
			this.wake = done;
		});
	}

	/** One transaction for the whole batch; decisions in arrival order. */
	private async apply(requests: ReserveRequest[]): Promise<ReserveOutcome[]> {
		if (!this.client) this.client = await this.openClient();
		const client = this.client;
		try {
			await client.query("BEGIN");
			const skus = [...new Set(requests.map((request) => request.sku))];
			const locked = await client.query<{ sku: string; available: number }>({
				...LOCK,
				values: [skus],
			});
			const available = new Map(locked.rows.map((row) => [row.sku, row.available]));
			const taken = new Map<string, number>();
			const holds: Hold[] = [];
			const outcomes = requests.map((request): ReserveOutcome => {
				const left = available.get(request.sku);
				if (left === undefined) return { ok: false, code: "unknown_sku" };
				if (left < request.quantity) return { ok: false, code: "sold_out" };
				available.set(request.sku, left - request.quantity);
				taken.set(request.sku, (taken.get(request.sku) ?? 0) + request.quantity);
				const hold = newHold(request);
				holds.push(hold);
				return { ok: true, hold };
			});
			if (holds.length > 0) {
				await client.query({ ...TAKE, values: [[...taken.keys()], [...taken.values()]] });
				await client.query({
					...RECORD,
					values: [
						holds.map((h) => h.reservationId),
						holds.map((h) => h.sku),
						holds.map((h) => h.sessionId),
						holds.map((h) => h.quantity),
						holds.map((h) => h.createdAtMs),
						holds.map((h) => h.expiresAtMs),
					],
				});
			}
			await client.query("COMMIT");
			return outcomes;
		} catch (error) {
			console.error("[single-writer] batch failed:", error);
			await client.query("ROLLBACK").catch(() => undefined);
			// Reconnect for the next batch rather than trust a connection in an unknown state.
			this.client = undefined;
			await client.end().catch(() => undefined);
			return requests.map(() => ({ ok: false, code: "unavailable" }));
		}
	}

	private async openClient(): Promise<pg.Client> {
		const client = new pg.Client({
			connectionString: this.databaseUrl,
			options: "-c search_path=single_writer",
		});
		await client.connect();
		return client;
	}
}

if (import.meta.main) {
	await servePeerFromEnv("single-writer", () =>
		createSingleWriterEngine(requiredEnv("DATABASE_URL")),
	);
}
