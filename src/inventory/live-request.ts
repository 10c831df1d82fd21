// What the Worker's upgrade request carries to the live feed (src/inventory/live.ts): the client's
// address as a keyed hash, never the address (src/worker/routes/live.ts), and the one query
// parameter, checked by the Worker before the upgrade (docs/api.md: GET …/live).

/** The hibernation tag of sockets that asked for product messages (`?with=product`). */
export const PRODUCT_TAG = "product";

/**
 * The header the Worker sets on an upgrade it hands the object: a keyed hash of the client's
 * address (src/worker/routes/live.ts), never the address itself. The socket is tagged with it, so
 * the object counts an address's open sockets with `getWebSockets(tag)`, which hibernation keeps.
 */
export const LIVE_CLIENT_HEADER = "x-rg-live-client";
/** Beside it, the address's hash under the day before's key, whose sockets count too (decision 160). */
export const LIVE_FORMER_CLIENT_HEADER = "x-rg-live-client-former";

/** The live feed's one query parameter: `with=product` asks for product messages too. */
export const LIVE_WITH_PARAM = "with";

/**
 * What is wrong with a live feed's query, for the Worker's 400 before the upgrade; null when
 * it is fine. `with` is absent or exactly `product`, once: a misspelt value, a comma list or a
 * repeat would otherwise open a socket that silently never gets the product messages asked for.
 */
export function liveQueryProblem(params: URLSearchParams): string | null {
	const values = params.getAll(LIVE_WITH_PARAM);
	if (values.length === 0 || (values.length === 1 && values[0] === PRODUCT_TAG)) return null;
	const got = values.map((v) => JSON.stringify(v)).join(", ");
	return `${LIVE_WITH_PARAM}: must be "${PRODUCT_TAG}" (once) or left out; got ${got}.`;
}
