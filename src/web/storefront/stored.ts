// What the storefront keeps in sessionStorage (lib/stored.ts): the buyer session,
// the hold per SKU, this tab's orders and the key of a Reserve whose outcome is
// unknown — so a reload picks up where it was.

import { useEffect, useState } from "preact/hooks";
import type { Session } from "../api/client.ts";
import { isObject, load, save } from "../lib/stored.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import type { StoredOrder } from "./Orders.tsx";

export const SESSION_KEY = "rg.buyer.session";
export const ORDERS_KEY = "rg.buyer.orders";
export const holdKey = (sku: string) => `rg.buyer.hold.${sku}`;
export const pendingReserveKey = (sku: string) => `rg.buyer.reserve.${sku}`;
/** Orders this tab remembers; older ones drop off the list (the server keeps them all). */
export const MAX_STORED_ORDERS = 50;

/** A session as this tab keeps it: with its end on this page's clock (useBuyerSession.ts). */
export interface BuyerSession extends Session {
	/** This page's clock (epoch ms) at which the session ends; absent when kept by an older page. */
	endsAtMs?: number;
}
export const isBuyerSession = (v: unknown): v is BuyerSession =>
	isObject(v) &&
	typeof v.token === "string" &&
	typeof v.sessionId === "string" &&
	typeof v.expiresAt === "string" &&
	(v.endsAtMs === undefined || typeof v.endsAtMs === "number");
export const isHeld = (v: unknown): v is HeldReservation =>
	isObject(v) && isObject(v.reservation) && typeof v.deadlineMs === "number";
export const isOrders = (v: unknown): v is StoredOrder[] =>
	Array.isArray(v) &&
	v.every((o) => isObject(o) && typeof o.sessionId === "string" && isObject(o.order));

/**
 * A Reserve sent whose outcome this tab does not know yet (no answer, a 5xx, a limiter's
 * 429), with the Idempotency-Key it went with: sent again, the key makes the server answer
 * with the hold that attempt may have taken, never a second one
 * (docs/decisions/065-leftovers-of-the-review-rounds.md).
 */
export interface PendingReserve {
	sku: string;
	sessionId: string;
	key: string;
}
export const isPendingReserve = (v: unknown): v is PendingReserve =>
	isObject(v) &&
	typeof v.sku === "string" &&
	typeof v.sessionId === "string" &&
	typeof v.key === "string";

/** State that survives a reload of this tab. */
export function useStored<T>(key: string, valid: (v: unknown) => v is T, initial: T) {
	const state = useState<T>(() => load(key, valid) ?? initial);
	const [value] = state;
	useEffect(() => save(key, value), [key, value]);
	return state;
}

/**
 * The session's own units of `sku` this page keeps: paid in its stored orders, and held by its
 * stored hold. The purchase limit counts both (`own`).
 */
export function storedUnits(
	orders: readonly StoredOrder[],
	hold: HeldReservation | null,
	sku: string,
	sessionId: string | undefined,
): { paid: number; own: number } {
	const paid = orders
		.filter((o) => o.sessionId === sessionId && o.order.sku === sku)
		.reduce((n, o) => n + (o.order.status === "PAID" ? o.order.quantity : 0), 0);
	const held = hold?.reservation.sku === sku ? hold.reservation.quantity : 0;
	return { paid, own: paid + held };
}
