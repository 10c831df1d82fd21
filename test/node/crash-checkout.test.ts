// Durability of batched checkouts end to end: `kill -9` of the whole `npm start` process group
// in the middle of a burst of checkouts (the provider answering at once, so many checkouts share
// each commit), then a restart on the same state directory. Every checkout that was answered
// 200 is still PAID with the order it was told, and no payment was captured twice. The checkouts
// the crash cut off have no known outcome; each is settled by sending it again with its
// Idempotency-Key, so the expected totals are exact.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

/** Checkout loops running at once, one buyer each. */
const LOOPS = 32;
/** Holds each buyer reserves before the burst (untimed); more than the burst can pay. */
const HOLDS_PER_LOOP = 20;
/** The crash comes once this many checkouts were answered, with every loop still sending. */
const ACKS_BEFORE_CRASH = 200;

type Pay = { token: string; reservationId: string; key: string };
type Paid = Pay & { orderId: string };

function pay(server: TestServer, p: Pay) {
	return api<{ orderId: string; status: string }>(server, "POST", "/api/checkout", {
		token: p.token,
		headers: { "idempotency-key": p.key },
		body: { reservationId: p.reservationId, paymentMethod: "pm_card_visa" },
	});
}

/** The simulated provider's counters, from the SKU object's SQLite file (server stopped). */
function providerCaptures(stateDir: string): { chargeCalls: number; captures: number } {
	const dir = join(stateDir, "v3", "do", "revenue-guard-InventoryObject");
	const found: { chargeCalls: number; captures: number }[] = [];
	for (const file of readdirSync(dir)) {
		if (!file.endsWith(".sqlite") || file === "metadata.sqlite") continue;
		const db = new DatabaseSync(join(dir, file), { readOnly: true });
		try {
			const table = db
				.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'payment_sim'")
				.get();
			if (table === undefined) continue;
			const row = db.prepare("SELECT value FROM payment_sim WHERE key = 'stats'").get() as
				| { value: string }
				| undefined;
			if (row !== undefined) found.push(JSON.parse(row.value).stats);
		} finally {
			db.close();
		}
	}
	expect(found.length).toBe(1);
	return found[0] as { chargeCalls: number; captures: number };
}

describe("kill -9 of npm start during a burst of checkouts", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("keeps every answered order PAID, and captures each payment once", async () => {
		const first = await startServer({ env: { PAYMENT_SIM_LATENCY_MS: "0" } });
		server = first;
		const sku = `CRASHPAY-${Date.now()}`;
		const created = await api(first, "POST", "/api/admin/products", {
			token: first.adminToken,
			body: {
				sku,
				name: "Crash checkout burst",
				priceCents: 100,
				currency: "USD",
				totalStock: LOOPS * HOLDS_PER_LOOP,
				holdSeconds: 3_600,
				perUserLimit: HOLDS_PER_LOOP,
			},
		});
		expect(created.status).toBe(201);
		const queues = await Promise.all(
			Array.from({ length: LOOPS }, async (_, loop) => {
				const token = await newBuyer(first);
				const queue: Pay[] = [];
				for (let n = 0; n < HOLDS_PER_LOOP; n++) {
					const hold = await api<{ reservationId: string }>(first, "POST", "/api/reservations", {
						token,
						body: { sku },
					});
					expect(hold.status).toBe(201);
					const reservationId = hold.body.data?.reservationId ?? "";
					queue.push({ token, reservationId, key: `pay-${loop}-${n}` });
				}
				return queue;
			}),
		);

		const paid: Paid[] = [];
		const cutOff: Pay[] = [];
		let crashed: Promise<void> | undefined;
		await Promise.all(
			queues.map(async (queue) => {
				for (const p of queue) {
					let answer: Awaited<ReturnType<typeof pay>>;
					try {
						answer = await pay(first, p);
					} catch {
						cutOff.push(p);
						return;
					}
					expect(answer.status, JSON.stringify(answer.body)).toBe(200);
					paid.push({ ...p, orderId: answer.body.data?.orderId ?? "" });
					if (paid.length >= ACKS_BEFORE_CRASH) crashed ??= first.crash();
				}
			}),
		);
		await crashed;
		expect(cutOff.length).toBe(LOOPS);

		const second = await startServer({ stateDir: first.stateDir });
		server = second;
		for (const p of paid) {
			const order = await api<{ status: string; reservationId: string }>(
				second,
				"GET",
				`/api/orders/${p.orderId}`,
				{ token: p.token },
			);
			expect(order.status, p.orderId).toBe(200);
			expect(order.body.data).toMatchObject({ status: "PAID", reservationId: p.reservationId });
		}
		// A cut-off checkout was decided before the crash (its answer is replayed) or not at all
		// (it starts now); either way the same key ends in one order.
		for (const p of cutOff) {
			const answer = await pay(second, p);
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			paid.push({ ...p, orderId: answer.body.data?.orderId ?? "" });
		}
		expect(new Set(paid.map((p) => p.orderId)).size).toBe(paid.length);

		const stats = await api<{ sold: number; reserved: number; oversellCount: number }>(
			second,
			"GET",
			`/api/admin/products/${sku}/stats`,
			{ token: second.adminToken },
		);
		expect(stats.body.data).toMatchObject({
			sold: paid.length,
			reserved: LOOPS * HOLDS_PER_LOOP - paid.length,
			oversellCount: 0,
		});
		await second.stop();
		expect(providerCaptures(second.stateDir).captures).toBe(paid.length);
	});
});
