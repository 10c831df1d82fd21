// A started room after a `kill -9` of `npm start` (docs/decisions/100-a-room-start-writes-one-row.md):
// the start wrote the room's row, not the ranks of the tickets it shuffled, so the restarted object
// recomputes them from the seed. Every buyer keeps the place the start gave it, the next admissions
// follow that order, and `npm run verify-queue` verifies the drop.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { runCommand } from "../support/proc.ts";
import { api, startServer, type TestServer } from "../support/server.ts";
import { newBuyer } from "../support/shop.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUYERS = 10;
const STOCK = 3;
/** Far enough that no run reaches it before the operator moves the start to now. */
const PRE_QUEUE_HOLD_MS = 3_600_000;
const POLL_MS = 200;
const POLL_ROUNDS = 50;

describe("a started waiting room after a kill -9", { timeout: 180_000 }, () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startServer();
	});
	afterAll(async () => {
		await server?.dispose();
	});

	const ticketsOf = (sku: string, buyers: string[]) =>
		Promise.all(
			buyers.map(async (token) => {
				const res = await api<Ticket>(server, "GET", `/api/products/${sku}/queue`, { token });
				expect(res.status, JSON.stringify(res.body)).toBe(200);
				const t = res.body.data as Ticket;
				return { state: t.state, position: t.position };
			}),
		);

	it("keeps every place, admits next in that order, and verifies", async () => {
		const sku = `WRC-${crypto.randomUUID().slice(0, 8)}`;
		const created = await api<Product>(server, "POST", "/api/admin/products", {
			token: server.adminToken,
			body: {
				sku,
				name: "Crashed start",
				priceCents: 100,
				currency: "USD",
				totalStock: STOCK,
				startsAt: new Date(Date.now() + PRE_QUEUE_HOLD_MS).toISOString(),
				waitingRoom: { enabled: true, overbook: 0 },
			},
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const buyers: string[] = [];
		for (let i = 0; i < BUYERS; i++) {
			const token = await newBuyer(server);
			const joined = await api<Ticket>(server, "POST", `/api/products/${sku}/queue`, { token });
			expect(joined.status, JSON.stringify(joined.body)).toBe(201);
			buyers.push(token);
		}
		const started = await api<Product>(server, "PATCH", `/api/admin/products/${sku}`, {
			token: server.adminToken,
			body: { startsAt: new Date().toISOString() },
		});
		expect(started.status, JSON.stringify(started.body)).toBe(200);
		const before = await ticketsOf(sku, buyers);
		expect(before.filter((t) => t.state === "admitted")).toHaveLength(STOCK);
		expect(
			before
				.map((t) => t.position)
				.filter((p) => p !== null)
				.sort((a, b) => a - b),
		).toEqual(Array.from({ length: BUYERS - STOCK }, (_, i) => i + 1));

		await server.crash();
		server = await server.restart();
		expect(await ticketsOf(sku, buyers)).toEqual(before);

		// Three more units: the next three admitted are those at places 1–3.
		const more = await api<Product>(server, "PATCH", `/api/admin/products/${sku}`, {
			token: server.adminToken,
			body: { totalStock: 2 * STOCK },
		});
		expect(more.status, JSON.stringify(more.body)).toBe(200);
		const next = before.flatMap((t, i) => (t.position !== null && t.position <= STOCK ? [i] : []));
		let after = await ticketsOf(sku, buyers);
		for (let round = 0; round < POLL_ROUNDS; round++) {
			if (after.filter((t) => t.state === "admitted").length >= 2 * STOCK) break;
			await sleep(POLL_MS);
			after = await ticketsOf(sku, buyers);
		}
		for (const i of next) expect(after[i]?.state, `buyer ${i}`).toBe("admitted");
		expect(after.filter((t) => t.state === "admitted")).toHaveLength(2 * STOCK);

		const verified = await runCommand(
			"npm",
			["run", "--silent", "verify-queue", "--", "--url", server.url, "--sku", sku],
			{ cwd: ROOT, timeoutMs: 60_000 },
		);
		expect(verified.code, verified.stdout + verified.stderr).toBe(0);
		expect(verified.stdout).toContain("VERIFIED");
		expect(verified.stdout).toContain(
			`tickets ${BUYERS} (pre-queue ${BUYERS}), admissions ${2 * STOCK}`,
		);
	});
});
