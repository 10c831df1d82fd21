// Real-time availability over hibernatable WebSockets (docs/api.md: GET …/live).
// The object may sleep between messages without dropping its sockets; changes
// are coalesced so a burst sends at most ~10 messages a second per socket.

import type { Availability } from "../shared/types.ts";

const LIVE_INTERVAL_MS = 100;
/** Sockets one SKU object serves; past this new viewers are refused (they can poll). */
export const MAX_LIVE_SOCKETS = 5_000;

export class LiveFeed {
	private timer: ReturnType<typeof setTimeout> | null = null;
	private lastSentMs = 0;

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly snapshot: () => Availability | null,
	) {}

	accept(request: Request): Response {
		if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
			return new Response("expected a WebSocket upgrade", { status: 400 });
		}
		if (this.ctx.getWebSockets().length >= MAX_LIVE_SOCKETS) {
			return new Response("too many live viewers", { status: 503 });
		}
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server);
		const now = this.snapshot();
		if (now !== null) server.send(JSON.stringify({ type: "availability", ...now }));
		return new Response(null, { status: 101, webSocket: client });
	}

	message(ws: WebSocket, message: string | ArrayBuffer): void {
		// Clients may ask again ("ping" or anything): answer with the current state.
		if (typeof message === "string") {
			const now = this.snapshot();
			if (now !== null) ws.send(JSON.stringify({ type: "availability", ...now }));
		}
	}

	close(ws: WebSocket, code: number): void {
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
		} catch {
			// Already closed by the peer: nothing to do.
		}
	}

	/** Called after every change; sends now or at the end of the current interval. */
	changed(): void {
		if (this.timer !== null) return;
		const wait = Math.max(0, this.lastSentMs + LIVE_INTERVAL_MS - Date.now());
		this.timer = setTimeout(() => {
			this.timer = null;
			this.broadcast();
		}, wait);
	}

	private broadcast(): void {
		const sockets = this.ctx.getWebSockets();
		if (sockets.length === 0) return;
		const now = this.snapshot();
		if (now === null) return;
		this.lastSentMs = Date.now();
		const message = JSON.stringify({ type: "availability", ...now });
		for (const ws of sockets) {
			try {
				ws.send(message);
			} catch {
				// A socket closing mid-broadcast: the close handler cleans it up.
			}
		}
	}
}
