// Buyers of a waiting room driven through the Worker with the rate limits on (ratelimit-support.ts),
// for the tests of what the room judges per session: its unread tickets and places per address
// (room-fair.test.ts, room-read-after-join.test.ts).

import { expect } from "vitest";
import type { Ticket } from "../../src/shared/types.ts";
import { DEBUG } from "./helpers.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

export interface Buyer {
	token: string;
	sessionId: string;
	ip: string;
}

/** A new buyer session from `ip` (a fresh IPv6 /64 of its own by default). */
export async function buyer(ip = freshIp(), vars: Record<string, string> = {}): Promise<Buyer> {
	const res = await limited<{ token: string; sessionId: string }>("POST", "/api/sessions", {
		ip,
		vars,
		body: { turnstileToken: DEBUG },
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	const data = res.body.data as { token: string; sessionId: string };
	return { token: data.token, sessionId: data.sessionId, ip };
}

export function join(sku: string, b: Buyer, vars: Record<string, string> = {}) {
	return limited<Ticket>("POST", `/api/products/${sku}/queue`, { ip: b.ip, token: b.token, vars });
}

export async function ticketOf(sku: string, b: Buyer): Promise<Ticket> {
	const res = await limited<Ticket>("GET", `/api/products/${sku}/queue`, {
		ip: b.ip,
		token: b.token,
	});
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as Ticket;
}

/** Seconds of admission a ticket was given, counted from now (rounded). */
export function secondsLeft(t: Ticket): number {
	expect(t.state).toBe("admitted");
	return Math.round((Date.parse(t.admittedUntil as string) - Date.now()) / 1000);
}
