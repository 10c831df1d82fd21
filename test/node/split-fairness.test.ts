// The fairness figures of a SKU split across shards with the bot signals on, over HTTP
// against `npm start` (docs/waiting-room.md, "Fairness the server can see"). A product
// read reaches the coordinator (shard 0) while the session's reserve attempt reaches
// its own shard, so the whole SKU's figures must join the two: the same sessions doing
// the same things on a SKU in one object give the same block, groups included.
// (test/integration/split-fairness.test.ts shows the room's side without the signals.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../src/domain/escrow.ts";
import type { Stats } from "../../src/shared/types.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const SHARDS = 4;

let server: TestServer;

beforeAll(async () => {
	server = await startServer({ env: { RATE_LIMITS: "on" } });
});

afterAll(async () => {
	await server?.dispose();
});

let ipCount = 0;
/** Each session and call from its own documentation address: no per-address limit applies. */
function ip(): string {
	ipCount += 1;
	return `198.51.100.${ipCount}`;
}

async function createSku(shards: number | undefined): Promise<string> {
	const sku = `FS-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
	const res = await api(server, "POST", "/api/admin/products", {
		token: server.adminToken,
		headers: { "cf-connecting-ip": ip() },
		body: {
			sku,
			name: "Fairness across shards",
			priceCents: 100,
			currency: "USD",
			totalStock: 40,
			perUserLimit: 2,
			...(shards === undefined ? {} : { shards }),
		},
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return sku;
}

interface Buyer {
	token: string;
	from: string;
	shard: number;
}

async function buyer(): Promise<Buyer> {
	const from = ip();
	const res = await api<{ token: string; sessionId: string }>(server, "POST", "/api/sessions", {
		headers: { "cf-connecting-ip": from },
		body: { turnstileToken: server.debugToken },
	});
	expect(res.status).toBe(201);
	const data = res.body.data as { token: string; sessionId: string };
	return { token: data.token, from, shard: shardOf(data.sessionId, SHARDS) };
}

const fairness = async (sku: string) =>
	(
		await api<Stats>(server, "GET", `/api/admin/products/${sku}/stats`, {
			token: server.adminToken,
			headers: { "cf-connecting-ip": ip() },
		})
	).body.data?.fairness;

describe("fairness figures of a split SKU with the bot signals on", () => {
	it("join the coordinator's reads and the shards' attempts as one object would", async () => {
		const split = await createSku(SHARDS);
		const single = await createSku(undefined);
		const buyers: Buyer[] = [];
		for (let i = 0; i < 8; i++) buyers.push(await buyer());
		// The property under test needs a read and an attempt in different objects: the
		// first reader reserves on a shard other than the coordinator.
		while ((buyers[0] as Buyer).shard === 0) buyers[0] = await buyer();
		// Readers that reserve (clear), reserving without a read (unread, two units each),
		// and readers that never reserve (not asking).
		const [clear, unread, onlyRead] = [buyers.slice(0, 4), buyers.slice(4, 6), buyers.slice(6)];
		for (const sku of [split, single]) {
			for (const b of [...clear, ...onlyRead]) {
				const read = await api(server, "GET", `/api/products/${sku}`, {
					token: b.token,
					headers: { "cf-connecting-ip": b.from },
				});
				expect(read.status).toBe(200);
			}
			for (const b of [...clear, ...unread]) {
				const res = await api(server, "POST", "/api/reservations", {
					token: b.token,
					headers: { "cf-connecting-ip": b.from },
					body: { sku, quantity: unread.includes(b) ? 2 : 1 },
				});
				expect(res.status, JSON.stringify(res.body)).toBe(201);
			}
		}
		const one = await fairness(single);
		expect(one).toMatchObject({
			sessions: 6,
			units: 8,
			sessionsWithUnits: 6,
			unitsPerAdmission: null,
			signals: true,
			clear: { sessions: 4, units: 4 },
			flagged: { sessions: 0, units: 0 },
			unread: { sessions: 2, units: 4 },
		});
		// Clear: half the units over two thirds of the sessions.
		expect(one?.clearShareRatio).toBeCloseTo(0.75);
		// The same block, but the time each SKU's objects started (decision 193): neither slept.
		const { countedSince: _, ...whole } = one ?? { countedSince: "" };
		const { countedSince: __, ...splitWhole } = (await fairness(split)) ?? { countedSince: "" };
		expect(splitWhole).toEqual(whole);
		expect(whole).toMatchObject({ partial: false });
	});
});
