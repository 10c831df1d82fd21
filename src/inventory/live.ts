// Real-time availability over hibernatable WebSockets (docs/api.md: GET …/live).
// The object may sleep between messages without dropping its sockets; changes
// are coalesced so a burst sends at most ~10 messages a second per socket, and a
// socket's own asks are answered at the same pace. A socket opened with
// `?with=product` is also sent the product after an operator changes it
// (docs/decisions/060-storefront-follows-the-operator.md); no other socket ever sees
// that message, so a client written for availability messages alone is unaffected.
// A socket silent for the idle bound (no keep-alive, no ask) is closed to free its place only when
// a place is wanted (an upgrade at a bound), never from a wake-up of its own; a split SKU's
// coordinator merges its shards at a slower pace while only silent sockets watch
// (docs/decisions/139-the-live-feeds-idle-places.md, docs/decisions/148-a-listen-only-feed-kept.md).
// Its refusals and idle closes are counted for the stats, with its places read from the sockets
// (docs/decisions/156-the-live-feeds-places-in-the-stats.md).

import { LIVE_IDLE_CLOSE_CODE } from "../shared/live-keepalive.ts";
import type { Availability, Product } from "../shared/types.ts";
import {
	type AskBounds,
	type AskBudget,
	FloodedAddresses,
	floodCloseReason,
	LIVE_FLOOD_CLOSE_CODE,
	spendAsk,
} from "./live-asks.ts";
import { ADDRESS_TAG_PREFIX, type LivePlaces, livePlaces } from "./live-places.ts";
import {
	LIVE_CLIENT_HEADER,
	LIVE_FORMER_CLIENT_HEADER,
	LIVE_WITH_PARAM,
	PRODUCT_TAG,
} from "./live-request.ts";

/** The shortest gap between two messages to one socket (docs/api.md: at most ~10 a second). */
export const LIVE_INTERVAL_MS = 100;
/**
 * Who watches the feed: nobody, only sockets silent for the idle bound (listen-only clients,
 * tabs in the background), or at least one heard from within it.
 */
export type Watchers = "none" | "silent" | "heard";
/**
 * What the feed counts for the stats and the metrics series (decisions 156 and 170): an upgrade
 * refused at the address's places (429), the feed's (503) or the address's cool-down after a
 * flood (429), a socket closed for silence (4408) or for flooding (4429).
 */
export type LiveCount =
	| "refusedAddress"
	| "refusedFull"
	| "refusedCoolDown"
	| "idleClosed"
	| "floodClosed";

/** What bounds the feed's sockets (src/shared/config.ts). */
export interface LiveBounds {
	/** Sockets open at once at most (MAX_LIVE_SOCKETS); the next is refused 503. */
	sockets: number;
	/** Of those, one client address's at most (MAX_LIVE_SOCKETS_PER_ADDRESS); its next is refused 429. */
	perAddress: number;
	/** A socket that sent nothing for this long may be closed (LIVE_IDLE_SECONDS, in ms). */
	idleMs: number;
	/** What a socket may send besides the keep-alive (live-asks.ts); LIVE_ASKS unless given. */
	asks?: AskBounds;
}

/** What a socket carries across hibernation (serializeAttachment). */
interface LiveAttachment {
	/** When this socket alone was last sent the state (on connect, or answering its message). */
	lastSentMs: number;
	/**
	 * When the object last heard from the socket: its upgrade, or a message that reached the
	 * object. Keep-alives the runtime answered are not here (getWebSocketAutoResponseTimestamp).
	 */
	heardMs?: number;
	/** Its asks left (live-asks.ts), none yet: a full budget; null: closed past them (code before decision 171). */
	asks?: AskBudget | null;
}

export class LiveFeed {
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** The last broadcast: it reached every socket open then. */
	private lastSentMs = 0;
	/** Product messages keep the feed's pace too: the latest change waits here. */
	private productTimer: ReturnType<typeof setTimeout> | null = null;
	private pendingProduct: Product | null = null;
	private lastProductSentMs = 0;
	/**
	 * Until when a socket is known to have been heard from within the idle bound (the latest
	 * upgrade or message this object saw, or a look's find, plus the bound): `watchers` reads no
	 * socket's times before then. Memory only: after a sleep, the first call looks; a close
	 * forgets it too.
	 */
	private heardUntilMs = 0;
	/** Answers to client messages held to the end of their socket's interval, one per socket. */
	private readonly deferred = new Map<
		WebSocket,
		{ timer: ReturnType<typeof setTimeout>; lastAskedMs: number }
	>();
	/** Addresses refused new sockets for a while after one of theirs flooded (live-asks.ts). */
	private readonly flooded = new FloodedAddresses();

	constructor(
		private readonly ctx: DurableObjectState,
		private readonly snapshot: () => Availability | null,
		private readonly bounds: LiveBounds,
		private readonly clock: () => number = () => Date.now(),
		/** A refusal or an idle close: counted in the SKU's stats. */
		private readonly counted: (what: LiveCount) => void = () => {},
	) {}

	accept(request: Request): Response {
		if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
			return new Response("expected a WebSocket upgrade", { status: 400 });
		}
		// One address first: a script behind it is told so, rather than "full" while it holds the places.
		const client = request.headers.get(LIVE_CLIENT_HEADER);
		const addressTag = client === null ? null : `${ADDRESS_TAG_PREFIX}${client}`;
		const formerTag = this.formerTag(request, addressTag);
		// Under either tag: a socket opened before midnight UTC cooled its address under the day before's.
		const cooling = this.flooded.refusal([addressTag, formerTag], this.clock());
		if (cooling !== null) {
			this.counted("refusedCoolDown");
			return cooling;
		}
		// At a bound, a place held by a silent socket is freed first (decision 139).
		const { perAddress } = this.bounds;
		const mine = addressTag === null ? null : this.addressSockets(addressTag, formerTag);
		if (mine !== null && this.openPast(mine, perAddress)) {
			const feeds = perAddress === 1 ? "1 live feed" : `${perAddress} live feeds`;
			this.counted("refusedAddress");
			return new Response(
				`Your address already has ${feeds} of this product open, as many as one address may: close one, or read availability instead.`,
				{ status: 429 },
			);
		}
		if (this.openPast(this.ctx.getWebSockets(), this.bounds.sockets)) {
			this.counted("refusedFull");
			return new Response("too many live viewers", { status: 503 });
		}
		const tags: string[] = [];
		if (new URL(request.url).searchParams.getAll(LIVE_WITH_PARAM).includes(PRODUCT_TAG))
			tags.push(PRODUCT_TAG);
		if (addressTag !== null) tags.push(addressTag);
		const { 0: peer, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server, tags);
		server.serializeAttachment({ lastSentMs: 0, heardMs: this.clock() } satisfies LiveAttachment);
		this.heard(this.clock());
		this.answer(server);
		return new Response(null, { status: 101, webSocket: peer });
	}

	/**
	 * Clients may ask again ("ping" or anything): answered with the current state, but no
	 * sooner than LIVE_INTERVAL_MS after the socket was last sent it, so one socket cannot
	 * flood the SKU's object: an ask inside the interval is answered at its end, once however
	 * often it came, unless a broadcast after it carried the state. Broadcasts keep their own
	 * pace: a change reaches every viewer whatever one of them asked
	 * (docs/decisions/055-replays-and-the-live-feed.md). Each message wakes the object, so a socket
	 * past its asks is closed (live-asks.ts). False when this one was not heard (closed, or dropped).
	 */
	message(ws: WebSocket, message: string | ArrayBuffer): boolean {
		// Closed (flooding, silence) while its client sends on: dropped before reading anything (decision 171).
		if (ws.readyState !== WebSocket.OPEN) return false;
		const was = ws.deserializeAttachment() as LiveAttachment | null;
		const askedMs = this.clock();
		const asks = spendAsk(was?.asks ?? undefined, askedMs, this.bounds.asks);
		if (asks === null) {
			this.flooded.add(this.ctx.getTags(ws), askedMs);
			this.close(ws, LIVE_FLOOD_CLOSE_CODE, floodCloseReason(this.bounds.asks));
			this.counted("floodClosed");
			return false;
		}
		this.attach(ws, { heardMs: askedMs, asks });
		this.heard(askedMs);
		if (typeof message !== "string") return true;
		const pending = this.deferred.get(ws);
		if (pending !== undefined) {
			pending.lastAskedMs = askedMs;
			return true;
		}
		this.answerOrDefer(ws, askedMs);
		return true;
	}

	/** Answers `ws` now if its interval has passed, else once at its end. */
	private answerOrDefer(ws: WebSocket, lastAskedMs: number): void {
		const nowMs = this.clock();
		const dueMs = this.lastSentTo(ws) + LIVE_INTERVAL_MS;
		if (nowMs >= dueMs) {
			this.answer(ws);
			return;
		}
		const entry = {
			lastAskedMs,
			timer: setTimeout(() => {
				this.deferred.delete(ws);
				// A broadcast after the last ask carried a newer state; or one is due now.
				if (this.lastSentTo(ws) > entry.lastAskedMs || this.timer !== null) return;
				this.answerOrDefer(ws, entry.lastAskedMs);
			}, dueMs - nowMs),
		};
		this.deferred.set(ws, entry);
	}

	close(ws: WebSocket, code: number, reason = "bye"): void {
		// The socket that was heard may be this one: the next `watchers` looks at those left, so a
		// heard viewer that leaves does not keep a split SKU's merges at the fast pace for the bound.
		this.heardUntilMs = 0;
		const pending = this.deferred.get(ws);
		if (pending !== undefined) {
			clearTimeout(pending.timer);
			this.deferred.delete(ws);
		}
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
		} catch {
			// Already closed by the peer: nothing to do.
		}
	}

	/** Called after every change; sends now or at the end of the current interval. */
	changed(): void {
		if (this.timer !== null) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.broadcast();
		}, this.waitAfter(this.lastSentMs));
	}

	/**
	 * The operator changed the product (PATCH): `{"type":"product", ...Product}` to the
	 * sockets that asked for it, at most once per LIVE_INTERVAL_MS (the latest product wins).
	 */
	productChanged(product: Product): void {
		this.pendingProduct = product;
		if (this.productTimer !== null) return;
		this.productTimer = setTimeout(() => {
			this.productTimer = null;
			const latest = this.pendingProduct;
			this.pendingProduct = null;
			if (latest === null) return;
			this.lastProductSentMs = this.clock();
			sendAll(this.ctx.getWebSockets(PRODUCT_TAG), JSON.stringify({ type: "product", ...latest }));
		}, this.waitAfter(this.lastProductSentMs));
	}

	/** How long a message waits when the last of its kind went out at `lastSentMs`. */
	private waitAfter(lastSentMs: number): number {
		return Math.max(0, lastSentMs + LIVE_INTERVAL_MS - this.clock());
	}

	/** When `ws` was last sent the state: its own answers, or the last broadcast. */
	private lastSentTo(ws: WebSocket): number {
		const own = (ws.deserializeAttachment() as LiveAttachment | null)?.lastSentMs ?? 0;
		return Math.max(own, this.lastSentMs);
	}

	/** What `ws` carries, with `patch` over it. */
	private attach(ws: WebSocket, patch: Partial<LiveAttachment>): void {
		const was = ws.deserializeAttachment() as LiveAttachment | null;
		try {
			ws.serializeAttachment({ lastSentMs: 0, ...was, ...patch } satisfies LiveAttachment);
		} catch {
			// A socket closing meanwhile: the close handler cleans it up.
		}
	}

	/**
	 * When `ws` was last heard from: its upgrade, its last message, or its last keep-alive; null
	 * for a socket that carries nothing (none this feed accepted), which is never judged idle.
	 */
	private lastHeardMs(ws: WebSocket): number | null {
		const att = ws.deserializeAttachment() as LiveAttachment | null;
		if (att === null) return null;
		const keptMs = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
		return Math.max(att.heardMs ?? att.lastSentMs, keptMs);
	}

	/** The address's tag under the day before's key (decision 160), when the Worker sent one other than today's. */
	private formerTag(request: Request, addressTag: string | null): string | null {
		const former = request.headers.get(LIVE_FORMER_CLIENT_HEADER);
		const tag = former === null ? null : `${ADDRESS_TAG_PREFIX}${former}`;
		return tag === addressTag ? null : tag;
	}

	/** The address's open sockets: today's tag's, and those opened before midnight UTC under the day before's. */
	private addressSockets(addressTag: string, formerTag: string | null): WebSocket[] {
		const sockets = this.ctx.getWebSockets(addressTag);
		return formerTag === null ? sockets : [...sockets, ...this.ctx.getWebSockets(formerTag)];
	}

	/**
	 * Whether `sockets` hold `bound` places or more once the silent ones among them are closed.
	 * Looks only when they reach the bound: below it, an upgrade reads no socket's times.
	 */
	private openPast(sockets: readonly WebSocket[], bound: number): boolean {
		if (sockets.length < bound) return false;
		return this.closeIdle(sockets).length >= bound;
	}

	/**
	 * Closes the open sockets of `sockets` heard from no later than the idle bound ago, with
	 * LIVE_IDLE_CLOSE_CODE; returns the others. One already closed holds its place until the runtime
	 * ends it, its client may never answer (decision 171), and is not closed or counted again.
	 */
	private closeIdle(sockets: readonly WebSocket[]): WebSocket[] {
		const nowMs = this.clock();
		const { idleMs } = this.bounds;
		const kept: WebSocket[] = [];
		for (const ws of sockets) {
			const heardMs = ws.readyState === WebSocket.OPEN ? this.lastHeardMs(ws) : null;
			if (heardMs === null || nowMs - heardMs < idleMs) {
				kept.push(ws);
				continue;
			}
			const pending = this.deferred.get(ws);
			if (pending !== undefined) {
				clearTimeout(pending.timer);
				this.deferred.delete(ws);
			}
			try {
				ws.close(LIVE_IDLE_CLOSE_CODE, `idle: nothing heard for ${Math.round(idleMs / 1000)} s`);
				this.counted("idleClosed");
			} catch {
				// Already closing.
			}
		}
		return kept;
	}

	/** The state to one socket, now. */
	private answer(ws: WebSocket): void {
		const now = this.snapshot();
		if (now === null) return;
		try {
			ws.send(JSON.stringify({ type: "availability", ...now }));
			this.attach(ws, { lastSentMs: this.clock() });
		} catch {
			// A socket closing meanwhile: the close handler cleans it up.
		}
	}

	/**
	 * Who watches, for a split SKU's coordinator, which merges its shards every 100 ms while a
	 * socket heard from within the idle bound watches and slower while only silent ones do
	 * (inventory/live-poll.ts): a tab forgotten in the background or a listen-only client is
	 * still sent the changes, but does not keep the coordinator asking ten times a second.
	 * Closes nobody. Reads no socket's times while one is known heard; else reads them up to the
	 * first heard one.
	 */
	watchers(): Watchers {
		const sockets = this.ctx.getWebSockets();
		if (sockets.length === 0) return "none";
		const nowMs = this.clock();
		if (nowMs < this.heardUntilMs) return "heard";
		for (const ws of sockets) {
			const heardMs = this.lastHeardMs(ws);
			// A socket that carries nothing (none this feed accepted) is never judged silent.
			if (heardMs === null) return "heard";
			if (nowMs - heardMs < this.bounds.idleMs) {
				this.heard(heardMs);
				return "heard";
			}
		}
		return "silent";
	}

	/** The open sockets by address, against the bounds, for the stats (inventory/live-places.ts). */
	places(): LivePlaces {
		return livePlaces(this.ctx, this.bounds);
	}

	/** A socket was heard from at `heardMs`. */
	private heard(heardMs: number): void {
		this.heardUntilMs = Math.max(this.heardUntilMs, heardMs + this.bounds.idleMs);
	}

	private broadcast(): void {
		const sockets = this.ctx.getWebSockets();
		if (sockets.length === 0) return;
		// Taken before the state: reading it may expire holds (the object's lazy expiry), and
		// the change that announces must wait for the next interval, not follow at once.
		this.lastSentMs = this.clock();
		const now = this.snapshot();
		if (now === null) return;
		sendAll(sockets, JSON.stringify({ type: "availability", ...now }));
	}
}

/** One message to every socket; a socket closing mid-broadcast is left to the close handler. */
function sendAll(sockets: readonly WebSocket[], message: string): void {
	for (const ws of sockets) {
		try {
			ws.send(message);
		} catch {
			// Closing: the close handler cleans it up.
		}
	}
}
