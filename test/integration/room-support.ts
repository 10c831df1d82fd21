// Helpers of the waiting-room tests inside workerd (waiting-room.test.ts, room-*.test.ts,
// split-fairness.test.ts, fairness-figures.test.ts, queued-final.test.ts,
// eventual-gates.test.ts): a SKU created with its waiting room on, a buyer's join and ticket.

import { expect } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Ticket } from "../../src/shared/types.ts";
import { ADMIN, call, uniqueSku } from "./helpers.ts";

export interface RoomDrop {
	totalStock: number;
	startsAt?: string | null;
	holdSeconds?: number;
	perUserLimit?: number;
	shards?: number;
}

export interface RoomOptions {
	admitSeconds?: number;
	overbook?: number;
}

/** A SKU with its waiting room on (overbook 0 unless `room` says otherwise), as created. */
export async function createRoomProduct(
	fields: RoomDrop,
	room: RoomOptions = {},
	sku = uniqueSku("WR"),
	name = "Room drop",
): Promise<Product> {
	const res = await call<Product>("POST", "/api/admin/products", {
		token: ADMIN,
		body: {
			sku,
			name,
			priceCents: 1000,
			currency: "USD",
			...fields,
			waitingRoom: { enabled: true, overbook: 0, ...room },
		},
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Product;
}

/** The SKU of a new drop with its waiting room on. */
export async function createRoom(fields: RoomDrop, room: RoomOptions = {}): Promise<string> {
	const sku = uniqueSku("WR");
	await createRoomProduct(fields, room, sku);
	return sku;
}

/**
 * Far enough that no test run reaches it: a room's pre-queue is checked with its start this
 * far away, then moveStart brings the start to now (a loaded machine cannot let a start a
 * few seconds ahead overtake the checks).
 */
export const PRE_QUEUE_HOLD_MS = 3_600_000;

/** The operator moves the start `leadMs` ahead of now; resolves `settleMs` after it. */
export async function moveStart(sku: string, leadMs: number, settleMs: number): Promise<void> {
	const startsAtMs = Date.now() + leadMs;
	const moved = await call<Product>("PATCH", `/api/admin/products/${sku}`, {
		token: ADMIN,
		body: { startsAt: new Date(startsAtMs).toISOString() },
	});
	expect(moved.status, JSON.stringify(moved.body)).toBe(200);
	await sleep(startsAtMs - Date.now() + settleMs);
}

/** A buyer: its session token, or a buyer that carries one. */
type Joiner = string | { token: string };
const tokenOf = (buyer: Joiner) => (typeof buyer === "string" ? buyer : buyer.token);

/** The buyer joins the SKU's room (POST /api/products/:sku/queue), answered as it is. */
export const join = (sku: string, buyer: Joiner) =>
	call<Ticket>("POST", `/api/products/${sku}/queue`, { token: tokenOf(buyer) });

/** The buyer's ticket in the SKU's room (GET /api/products/:sku/queue). */
export const ticketOf = async (sku: string, buyer: Joiner) =>
	(await call<Ticket>("GET", `/api/products/${sku}/queue`, { token: tokenOf(buyer) })).body
		.data as Ticket;
