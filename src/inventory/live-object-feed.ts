// The SKU object's live feed, built from its settings (src/inventory/live.ts): its bounds, and the
// keep-alive set as the object's WebSocket auto-response, which the runtime answers without waking
// the object (docs/decisions/139-the-live-feeds-idle-places.md).

import type { Config } from "../shared/config-types.ts";
import { keepAliveAnswer, LIVE_KEEPALIVE } from "../shared/live-keepalive.ts";
import type { Availability } from "../shared/types.ts";
import { type LiveCount, LiveFeed } from "./live.ts";

/**
 * The feed's keep-alive and its answer, for the object's `setWebSocketAutoResponse`: the runtime
 * answers it itself, without waking the object, and keeps when (getWebSocketAutoResponseTimestamp).
 */
export function keepAliveAutoResponse(idleMs: number): WebSocketRequestResponsePair {
	return new WebSocketRequestResponsePair(
		LIVE_KEEPALIVE,
		keepAliveAnswer(Math.round(idleMs / 1000)),
	);
}

/**
 * The SKU object's feed from its settings: the bounds, and the keep-alive set as the object's
 * WebSocket auto-response (one per object, so the object does it, not each feed built on its state).
 */
export function objectLiveFeed(
	ctx: DurableObjectState,
	config: Pick<Config, "maxLiveSockets" | "maxLiveSocketsPerAddress" | "liveIdleSeconds">,
	snapshot: () => Availability | null,
	counted: (what: LiveCount) => void,
): LiveFeed {
	const idleMs = config.liveIdleSeconds * 1000;
	ctx.setWebSocketAutoResponse(keepAliveAutoResponse(idleMs));
	const bounds = {
		sockets: config.maxLiveSockets,
		perAddress: config.maxLiveSocketsPerAddress,
		idleMs,
	};
	return new LiveFeed(ctx, snapshot, bounds, undefined, counted);
}
