// A SKU's live feed (docs/api.md: GET /api/products/:sku/live): checked here, kept by the SKU's
// object (src/inventory/live.ts; a split SKU's coordinator). No session is needed, so what bounds
// a viewer is where it comes from: the page's origin (worker/live-origin.ts) and the client's
// address, whose open sockets the object counts (docs/decisions/128-live-feed-places-per-address.md).

import { Hono } from "hono";
import {
	LIVE_CLIENT_HEADER,
	LIVE_FORMER_CLIENT_HEADER,
	liveQueryProblem,
} from "../../inventory/live-request.ts";
import { requireKnownSku } from "../catalogue.ts";
import { clientKeyOf } from "../client-ip.ts";
import { type AppEnv, fail } from "../http.ts";
import { inventory } from "../inventory-stub.ts";
import { liveOriginProblem } from "../live-origin.ts";
import { hashClockMs } from "../middleware/ratelimit.ts";
import { addressHashes } from "../secrets.ts";

export const live = new Hono<AppEnv>();

/**
 * A refused feed (full, or the address's places taken): poll availability, or try the feed
 * again this soon.
 */
const LIVE_REFUSED_RETRY_AFTER_SECONDS = 5;
/** Hex characters of the address's keyed hash that tag its sockets: 128 bits, a short tag. */
const CLIENT_TAG_HEX = 32;

live.get("/:sku/live", async (c) => {
	const sku = c.req.param("sku");
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
		return fail(c, "invalid_request", "This endpoint is a WebSocket: send Upgrade: websocket.");
	}
	// Checked before the upgrade: an unknown `with` would open a feed without what it asked for.
	const problem = liveQueryProblem(new URL(c.req.url).searchParams);
	if (problem !== null) return fail(c, "invalid_request", problem);
	// Before the SKU is looked up: another site's page learns nothing, and costs no object call.
	const config = c.get("config");
	const foreign = liveOriginProblem(c.req.header("origin"), c.req.url, config);
	if (foreign !== null) return fail(c, "forbidden", foreign);
	await requireKnownSku(c, sku);
	// The client's key, as every per-address limit counts it (worker/client-ip.ts clientKeyOf: an
	// IPv6 client by its /64), hashed as a session's ipHash is: the object tags the socket with it
	// and never sees the address. Yesterday's hash too: the address's sockets opened before
	// midnight UTC count with today's (decision 160).
	const hash = await addressHashes(config.ipHashSecret, clientKeyOf(c), hashClockMs(c));
	const request = new Request(c.req.raw);
	// Set, never passed on: a client's own headers of those names are replaced.
	request.headers.set(LIVE_CLIENT_HEADER, hash.today.slice(0, CLIENT_TAG_HEX));
	request.headers.set(LIVE_FORMER_CLIENT_HEADER, hash.yesterday.slice(0, CLIENT_TAG_HEX));
	const response = await inventory(c.env, sku).fetch(request);
	if (response.status === 404)
		return fail(c, "unknown_sku", `No product has the SKU ${JSON.stringify(sku)}.`);
	const retry = { "Retry-After": String(LIVE_REFUSED_RETRY_AFTER_SECONDS) };
	if (response.status === 429) return fail(c, "rate_limited", await response.text(), retry);
	if (response.status === 503) {
		// Its body is the object's own words, not sent on: cancelled, so the object's request ends.
		await response.body?.cancel();
		return fail(c, "unavailable", "Too many live viewers; poll availability instead.", retry);
	}
	return response;
});
