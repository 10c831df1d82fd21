// A real D1 (and KV) outage against `npm start`: this process holds the write
// lock of the server's D1 and KV SQLite files for OUTAGE_MS, so every write
// workerd makes to them fails (SQLITE_BUSY), while buyers keep reserving and
// every route is sampled. Then the lock goes, and nothing is sent to the server:
// the objects' alarms alone must bring D1 up to date (src/inventory/object.ts,
// docs/decisions/007-cold-path-d1-outages.md).
//
// Checked: reservations keep succeeding; no answer is a 5xx other than 503; the
// events endpoint says the trail is incomplete (503 + Retry-After) instead of
// serving part of it; a product created during the outage reaches the
// catalogue after; every acknowledged hold has exactly one reservation.created
// event in D1 and the trail has no gap.
import { afterAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import {
	createdEvents,
	d1File,
	eventSeqs,
	holdWriteLock,
	kvFile,
	readOnly,
	type WriteLock,
} from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const OUTAGE_MS = 20_000;
const BUYERS = 10;
/**
 * Each buyer waits this long between attempts: at most 40 holds a second each,
 * so no session reaches the product's per-buyer limit (1,000) within the outage.
 */
const BUYER_PAUSE_MS = 25;
/** Between two rounds of sampling every route during the outage. */
const SAMPLE_EVERY_MS = 2000;
/** Generous: the objects retry D1 at most 5 s apart (OUTBOX_RETRY_MAX_MS). */
const DRAIN_DEADLINE_MS = 90_000;

type Answer = { route: string; status: number; code?: string; retryAfter: string | null };

describe("a D1 and KV outage of 20 s", () => {
	let server: TestServer | undefined;
	const locks: WriteLock[] = [];
	afterAll(async () => {
		for (const lock of locks.splice(0)) lock.release();
		await server?.dispose();
	});

	it("keeps reservations going, answers 503 where storage is needed, and catches up alone", async () => {
		const s = await startServer();
		server = s;
		const admin = s.adminToken;
		const stamp = Date.now();
		const sku = `OUTAGE-${stamp}`;
		const other = `OUTAGE-RESET-${stamp}`;
		const late = `OUTAGE-LATE-${stamp}`;
		const product = (id: string, name: string) => ({
			sku: id,
			name,
			priceCents: 2500,
			currency: "USD",
			totalStock: 1_000_000,
			holdSeconds: 3600,
			perUserLimit: 1000,
		});
		for (const id of [sku, other]) {
			const res = await api(s, "POST", "/api/admin/products", {
				token: admin,
				body: product(id, "Outage drop"),
			});
			expect(res.status).toBe(201);
		}
		const minted = await api<{ sessions: { token: string }[] }>(s, "POST", "/api/admin/sessions", {
			token: admin,
			body: { count: BUYERS + 1 },
		});
		const tokens = (minted.body.data?.sessions ?? []).map((x) => x.token);
		expect(tokens).toHaveLength(BUYERS + 1);
		const sampler = tokens.pop() as string;

		const answers: Answer[] = [];
		const acked: string[] = [];
		const call = async <T>(
			route: string,
			method: string,
			path: string,
			options: Parameters<typeof api>[3] = {},
		) => {
			const res = await api<T>(s, method, path, options);
			answers.push({
				route,
				status: res.status,
				code: res.body.error?.code,
				retryAfter: res.headers.get("retry-after"),
			});
			return res;
		};
		const reserve = async (token: string, route = "reserve") => {
			const res = await call<{ reservationId: string }>(route, "POST", "/api/reservations", {
				token,
				body: { sku },
			});
			if (res.status === 201 && res.body.data) acked.push(res.body.data.reservationId);
			return res;
		};
		// A hold from before the outage, to cancel and pay during it.
		const before = await reserve(sampler);
		expect(before.status).toBe(201);

		locks.push(await holdWriteLock(d1File(s.stateDir)));
		locks.push(await holdWriteLock(kvFile(s.stateDir)));
		const outageStartedAt = Date.now();
		const ackedBefore = acked.length;

		// Every route, a round every SAMPLE_EVERY_MS while buyers reserve.
		const sampleEveryRoute = async (round: number) => {
			const hold = await reserve(sampler, "reserve (sampler)");
			const holdId = hold.body.data?.reservationId ?? "none";
			const paid = await reserve(sampler, "reserve (sampler)");
			const paidId = paid.body.data?.reservationId ?? "none";
			await call("health", "GET", "/healthz");
			await call("config", "GET", "/api/config");
			await call("catalogue", "GET", "/api/products");
			await call("product", "GET", `/api/products/${sku}`);
			await call("availability", "GET", `/api/products/${sku}/availability`);
			await call("session", "POST", "/api/sessions", { body: { turnstileToken: s.debugToken } });
			await call("load-test sessions", "POST", "/api/admin/sessions", {
				token: admin,
				body: { count: 1 },
			});
			await call("eventual reserve", "POST", "/api/reservations", {
				token: sampler,
				body: { sku, mode: "eventual" },
			});
			await call("reservation", "GET", `/api/reservations/${holdId}`, { token: sampler });
			await call("cancel", "DELETE", `/api/reservations/${holdId}`, { token: sampler });
			const order = await call<{ orderId: string }>("checkout", "POST", "/api/checkout", {
				token: sampler,
				body: { reservationId: paidId, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": `outage-pay-${round}` },
			});
			await call("order", "GET", `/api/orders/${order.body.data?.orderId ?? "ord_0~x"}`, {
				token: sampler,
			});
			await call("rename", "PATCH", `/api/admin/products/${sku}`, {
				token: admin,
				body: { name: `Outage drop ${round}` },
			});
			await call("reset", "POST", `/api/admin/products/${other}/reset`, { token: admin });
			await call("events", "GET", `/api/admin/products/${sku}/events`, { token: admin });
			await call("stats", "GET", `/api/admin/products/${sku}/stats`, { token: admin });
			await call("metrics", "GET", `/api/admin/products/${sku}/metrics`, { token: admin });
			await call("limits", "GET", "/api/admin/limits", { token: admin });
			await call("create during outage", "POST", "/api/admin/products", {
				token: admin,
				body: product(late, "Created during the outage"),
			});
			await call("sandbox", "POST", "/api/demo/sandbox", { token: sampler });
			await call("sandbox read", "GET", "/api/demo/sandbox", { token: sampler });
			await call("sandbox reset", "POST", "/api/demo/sandbox/reset", { token: sampler });
			await call("guardrail", "GET", "/api/demo/guardrail", { token: sampler });
		};

		let outageOver = false;
		const buyers = tokens.map(async (token) => {
			while (!outageOver) {
				await reserve(token);
				await sleep(BUYER_PAUSE_MS);
			}
		});
		for (let round = 1; Date.now() - outageStartedAt < OUTAGE_MS; round++) {
			await sampleEveryRoute(round);
			await sleep(SAMPLE_EVERY_MS);
		}
		outageOver = true;
		await Promise.all(buyers);
		const holdsDuringOutage = acked.length - ackedBefore;

		// Recovery: nothing is sent to the server from here until D1 is whole.
		for (const lock of locks.splice(0)) lock.release();
		const recoveredAt = Date.now();
		const db = readOnly(d1File(s.stateDir));
		let missing = acked.length;
		let lateListed = false;
		try {
			for (;;) {
				const created = createdEvents(db, sku);
				missing = acked.filter((id) => created.get(id) !== 1).length;
				lateListed = db.prepare("SELECT 1 FROM products WHERE sku = ?").get(late) !== undefined;
				if ((missing === 0 && lateListed) || Date.now() - recoveredAt > DRAIN_DEADLINE_MS) break;
				await sleep(100);
			}
			const drainMs = Date.now() - recoveredAt;
			console.log(
				`outage ${OUTAGE_MS} ms: ${holdsDuringOutage} holds taken during it; D1 whole ${drainMs} ms after recovery (${acked.length} acknowledged holds in all)`,
			);
			expect(missing).toBe(0);
			expect(lateListed).toBe(true);

			// Exactly one reservation.created per acknowledged hold, none for anything else, no gap.
			const created = createdEvents(db, sku);
			expect([...created.values()].every((n) => n === 1)).toBe(true);
			expect(new Set(created.keys())).toEqual(new Set(acked));
			const seqs = eventSeqs(db, sku);
			expect(seqs).toEqual(seqs.map((_, i) => i + 1));
		} finally {
			db.close();
		}

		// What was answered during the outage.
		const byRoute = new Map<string, Answer[]>();
		for (const a of answers) byRoute.set(a.route, [...(byRoute.get(a.route) ?? []), a]);
		const summary = [...byRoute].map(([route, list]) => {
			const counts = new Map<number, number>();
			for (const x of list) counts.set(x.status, (counts.get(x.status) ?? 0) + 1);
			return `${route}: ${[...counts].map(([status, n]) => `${n}×${status}`).join(" ")}`;
		});
		console.log(`answers during the outage — ${summary.join("; ")}`);
		const bad = answers.filter((a) => a.status >= 500 && a.status !== 503);
		expect(bad).toEqual([]);
		for (const a of answers.filter((x) => x.status === 503)) {
			expect(a.code, a.route).toBe("unavailable");
			expect(Number(a.retryAfter), a.route).toBeGreaterThan(0);
		}
		expect(holdsDuringOutage).toBeGreaterThan(0);
		expect(answers.filter((a) => a.route === "reserve" && a.status !== 201)).toEqual([]);
		// The trail is incomplete while D1 refuses writes: it says so.
		expect(byRoute.get("events")?.every((a) => a.status === 503)).toBe(true);
		// Writes to D1 and KV failed for real: eventual mode and sessions could not be stored.
		expect(byRoute.get("eventual reserve")?.every((a) => a.status === 503)).toBe(true);
		expect(byRoute.get("session")?.every((a) => a.status === 503)).toBe(true);
		// The hot path and the object-backed routes answered.
		for (const route of ["availability", "product", "cancel", "checkout", "rename", "reset"]) {
			expect(
				byRoute.get(route)?.every((a) => a.status < 300),
				route,
			).toBe(true);
		}
		// The create answered 201 every time (the first created, the others repeated it).
		expect(byRoute.get("create during outage")?.every((a) => a.status === 201)).toBe(true);

		// After recovery the API agrees with D1.
		const list = await api<{ products: { sku: string }[] }>(s, "GET", "/api/products");
		expect(list.body.data?.products.map((p) => p.sku)).toContain(late);
		const events = await api(s, "GET", `/api/admin/products/${sku}/events?limit=1`, {
			token: admin,
		});
		expect(events.status).toBe(200);
	}, 300_000);
});

/** Long enough for the object's retries to back off to OUTBOX_RETRY_MAX_MS (1 + 2 + 4 s). */
const RESET_OUTAGE_MS = 8000;
/** How often the eventual reserve after recovery is retried while it is answered 503. */
const RETRY_POLL_MS = 250;

describe("a reset made while D1 is down", () => {
	let server: TestServer | undefined;
	const locks: WriteLock[] = [];
	afterAll(async () => {
		for (const lock of locks.splice(0)) lock.release();
		await server?.dispose();
	});

	// docs/decisions/066-eventual-reset-live-with-and-payment-methods.md: the reset's projection clears
	// eventual mode's tables when it reaches D1; what was allocated after the reset must survive it.
	it("keeps eventual mode waiting until the reset reaches D1, so allocations after it count", async () => {
		const s = await startServer();
		server = s;
		const admin = s.adminToken;
		const sku = `OUTAGE-EVRESET-${Date.now()}`;
		const created = await api(s, "POST", "/api/admin/products", {
			token: admin,
			body: {
				sku,
				name: "Eventual reset",
				priceCents: 100,
				currency: "USD",
				totalStock: 10,
				perUserLimit: 10,
			},
		});
		expect(created.status).toBe(201);
		const minted = await api<{ sessions: { token: string }[] }>(s, "POST", "/api/admin/sessions", {
			token: admin,
			body: { count: 1 },
		});
		const token = minted.body.data?.sessions[0]?.token as string;
		const eventual = (quantity: number, key: string) =>
			api(s, "POST", "/api/reservations", {
				token,
				body: { sku, quantity, mode: "eventual" },
				headers: { "idempotency-key": key },
			});
		const figures = async () =>
			(
				await api<{ eventual: { allocated: number; oversellDelta: number } | null }>(
					s,
					"GET",
					`/api/admin/products/${sku}/stats`,
					{ token: admin },
				)
			).body.data?.eventual;

		expect((await eventual(3, "before")).status).toBe(201);
		expect(await figures()).toEqual({ allocated: 3, oversellDelta: 0 });

		locks.push(await holdWriteLock(d1File(s.stateDir)));
		const lockedAt = Date.now();
		expect(
			(await api(s, "POST", `/api/admin/products/${sku}/reset`, { token: admin })).status,
		).toBe(200);
		const during = await eventual(1, "during");
		expect(during.status).toBe(503);
		expect(during.body.error?.code).toBe("unavailable");
		// The new drop's books: empty, and nothing can be allocated in them until the reset lands.
		expect(await figures()).toEqual({ allocated: 0, oversellDelta: 0 });
		await sleep(RESET_OUTAGE_MS - (Date.now() - lockedAt));
		for (const lock of locks.splice(0)) lock.release();

		// One eventual reserve of 2 after recovery: 503 while the reset waits in the outbox, 201 after.
		const recoveredAt = Date.now();
		let waited = 0;
		let after = await eventual(2, "after");
		while (after.status === 503 && Date.now() - recoveredAt < DRAIN_DEADLINE_MS) {
			expect(after.body.error?.code).toBe("unavailable");
			expect(Number(after.headers.get("retry-after"))).toBeGreaterThan(0);
			waited += 1;
			await sleep(RETRY_POLL_MS);
			after = await eventual(2, "after");
		}
		expect(after.status).toBe(201);

		// The reset's event is in D1, so its projection ran (same D1 batch as the event).
		const db = readOnly(d1File(s.stateDir));
		try {
			const resets = () =>
				Number(
					(
						db
							.prepare(
								"SELECT COUNT(*) AS n FROM events WHERE sku = ? AND type = 'inventory.reset'",
							)
							.get(sku) as { n: number }
					).n,
				);
			while (resets() === 0 && Date.now() - recoveredAt < DRAIN_DEADLINE_MS) await sleep(100);
			expect(resets()).toBe(1);
			const stock = db.prepare("SELECT remaining FROM eventual_stock WHERE sku = ?").get(sku) as {
				remaining: number;
			};
			expect(stock.remaining).toBe(8);
		} finally {
			db.close();
		}
		console.log(`eventual reserve after recovery answered 503 ${waited} times, then 201`);
		expect(await figures()).toEqual({ allocated: 2, oversellDelta: 0 });
	}, 120_000);
});
