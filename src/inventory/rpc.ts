// What the SKU object's RPC methods return: expected outcomes as values.

import type { Product, Reservation, Stats } from "../shared/types.ts";

export interface ReserveRequest {
	/** Minted by the caller so the id encodes the SKU (see worker/ids.ts). */
	id: string;
	sessionId: string;
	quantity: number;
	idempotencyKey: string | null;
}

export type ReserveResult =
	| { ok: true; reservation: Reservation; replayed?: boolean }
	| {
			ok: false;
			code: "sold_out" | "not_started" | "purchase_limit" | "unknown_sku";
			replayed?: boolean;
	  };

export type CreateResult = { ok: true; product: Product } | { ok: false; code: "already_exists" };
export type UpdateResult =
	| { ok: true; product: Product }
	| { ok: false; code: "unknown_sku" | "invalid_state" };
export type StatsResult = { ok: true; stats: Stats } | { ok: false; code: "unknown_sku" };
export type ReservationResult =
	| { ok: true; reservation: Reservation }
	| { ok: false; code: "not_found" };
export type CancelResult =
	| { ok: true; reservation: Reservation }
	| { ok: false; code: "not_found" }
	| { ok: false; code: "invalid_state" | "reservation_expired"; reservation: Reservation };
