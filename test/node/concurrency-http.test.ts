// The drop over real HTTP against `npm start` (workerd on the lean runtime, local
// bindings): 50 units, 400 concurrent attempts from 200 sessions, some sent
// twice at the same moment with the same Idempotency-Key. Exactly 50 holds,
// replays answered like the original, availability consistent throughout,
// and zero oversell by the records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../support/server.ts";

const UNITS = 50;
const SESSIONS = 200;
const ATTEMPTS = 400;
/** Every DUPLICATE_EVERY-th attempt goes out as two copies at once. */
const DUPLICATE_EVERY = 5;
/** An availability read rides along with every SAMPLE_EVERY-th attempt. */
const SAMPLE_EVERY = 4;
/** Sessions are created in waves of this size (setup, not the thing under test). */
const SESSION_WAVE = 25;

type Availability = { total: number; available: number; reserved: number; sold: number };
type Answer = Awaited<ReturnType<typeof api<{ reservationId: string }>>>;

// available is total − reserved − sold by construction (Inventory.counters(), src/domain/inventory.ts),
// so their sum is no check; what can fail is a negative remainder. The counters are compared with
// the hold records (the stats) at the end.
function checkInvariant(a: Availability): void {
	expect(a.total).toBe(UNITS);
	expect(a.available).toBeGreaterThanOrEqual(0);
	expect(a.reserved).toBeLessThanOrEqual(UNITS);
}

describe("a 400-attempt burst on 50 units over HTTP", () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	it("takes exactly 50 holds with distinct ids, answers replays like the original, oversells nothing", async () => {
		const sku = `HTTP-BURST-${Date.now()}`;
		const created = await api(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: {
				sku,
				name: "Burst",
				priceCents: 100,
				currency: "USD",
				totalStock: UNITS,
				perUserLimit: 10,
			},
		});
		expect(created.status).toBe(201);
		const tokens: string[] = [];
		while (tokens.length < SESSIONS) {
			const wave = await Promise.all(
				Array.from({ length: Math.min(SESSION_WAVE, SESSIONS - tokens.length) }, () =>
					api<{ token: string }>(server, "POST", "/api/sessions", {
						body: { turnstileToken: server.debugToken },
					}),
				),
			);
			for (const s of wave) {
				expect(s.status).toBe(201);
				tokens.push(s.body.data?.token ?? "");
			}
		}
		const availability = () =>
			api<Availability>(server, "GET", `/api/products/${sku}/availability`);

		let bursting = true;
		const ordered: Availability[] = [];
		const sampler = (async () => {
			while (bursting) {
				const res = await availability();
				expect(res.status).toBe(200);
				ordered.push(res.body.data as Availability);
			}
		})();
		const reads: Promise<Awaited<ReturnType<typeof availability>>>[] = [];
		const attempts: Promise<Answer[]>[] = [];
		for (let index = 0; index < ATTEMPTS; index++) {
			if (index % SAMPLE_EVERY === 0) reads.push(availability());
			const send = () =>
				api<{ reservationId: string }>(server, "POST", "/api/reservations", {
					token: tokens[index % SESSIONS],
					body: { sku },
					headers: { "idempotency-key": `http-${index}` },
				});
			attempts.push(Promise.all(index % DUPLICATE_EVERY === 0 ? [send(), send()] : [send()]));
		}
		const answered = await Promise.all(attempts);
		bursting = false;
		await sampler;

		const holds: string[] = [];
		let pairs = 0;
		for (const [first, second] of answered as [Answer, Answer?][]) {
			expect([201, 409], JSON.stringify(first.body)).toContain(first.status);
			if (first.status === 201) holds.push(first.body.data?.reservationId ?? "");
			else expect(first.body.error?.code).toBe("sold_out");
			if (second === undefined) continue;
			pairs += 1;
			expect(second.status).toBe(first.status);
			expect(second.body.data?.reservationId).toBe(first.body.data?.reservationId);
			expect(second.body.error?.code).toBe(first.body.error?.code);
		}
		expect(pairs).toBe(ATTEMPTS / DUPLICATE_EVERY);
		expect(holds).toHaveLength(UNITS);
		expect(new Set(holds).size).toBe(UNITS);

		let last = 0;
		for (const a of ordered) {
			checkInvariant(a);
			expect(a.reserved).toBeGreaterThanOrEqual(last); // nothing ends during the burst
			last = a.reserved;
		}
		for (const read of await Promise.all(reads)) {
			expect(read.status).toBe(200);
			checkInvariant(read.body.data as Availability);
		}

		const stats = await api<Record<string, unknown>>(
			server,
			"GET",
			`/api/admin/products/${sku}/stats`,
			{
				token: server.adminToken,
			},
		);
		expect(stats.body.data).toMatchObject({
			total: UNITS,
			available: 0,
			reserved: UNITS,
			sold: 0,
			oversellCount: 0,
			attempts: ATTEMPTS,
			rejected: { sold_out: ATTEMPTS - UNITS },
		});
		// The audit trail agrees: one reservation.created per hold.
		const events = await api<{ events: { type: string; reservationId?: string }[] }>(
			server,
			"GET",
			`/api/admin/products/${sku}/events?limit=1000`,
			{ token: server.adminToken },
		);
		const createdIds = (events.body.data?.events ?? [])
			.filter((e) => e.type === "reservation.created")
			.map((e) => e.reservationId);
		expect(createdIds.sort()).toEqual([...holds].sort());
	});
});
