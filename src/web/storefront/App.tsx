// The storefront (/): one product (?sku=, the seeded demo product otherwise),
// its live stock, the human check, Reserve, the hold's countdown, checkout with
// the test payment methods, this visit's orders, and a clear sentence for every
// outcome. What is shown about the sale is derived from the live availability
// and the clock on every render (sale.ts), never kept from an earlier answer.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiClient, type ApiErr } from "../api/client.ts";
import { webSocketSource } from "../api/live.ts";
import { describeError } from "../api/outcomes.ts";
import { httpTransport } from "../api/transport.ts";
import { Layout, Notice } from "../components/Layout.tsx";
import { newIdempotencyKey, useNow } from "../lib/hooks.ts";
import { load, save } from "../lib/stored.ts";
import { endedHoldNotice, stillHeld } from "./ended-hold.ts";
import { useFocusAfterRender } from "./focus.ts";
import { type HeldReservation, HoldPanel } from "./HoldPanel.tsx";
import { Orders, type StoredOrder } from "./Orders.tsx";
import { feedTrouble, ProductCard, ProductMissing } from "./ProductCard.tsx";
import type { PaymentMethodId } from "./payment-methods.ts";
import { shownTicketState, waitingCardState } from "./queue-poll.ts";
import { ReservePanel } from "./ReservePanel.tsx";
import {
	limitElsewhereReason,
	limitReason,
	refusalOutdatesProduct,
	saleView,
	stillTrue,
} from "./sale.ts";
import { type StoreNotice, UNKNOWN_OUTCOME } from "./store-notice.ts";
import {
	holdKey,
	isHeld,
	isOrders,
	isPendingReserve,
	ORDERS_KEY,
	type PendingReserve,
	pendingReserveKey,
	useStored,
} from "./stored.ts";
import { useBuyerSession } from "./useBuyerSession.ts";
import { useHoldActions } from "./useHoldActions.ts";
import { useHumanCheck } from "./useHumanCheck.ts";
import { useProductFeed } from "./useProductFeed.ts";
import { useQueueTicket } from "./useQueueTicket.ts";
import { useTabNews } from "./useTabNews.ts";
import { VerifyPanel } from "./VerifyPanel.tsx";
import { verifiedText } from "./verified-notice.ts";
import { AdmittedBanner, WaitingPanel } from "./WaitingPanel.tsx";

export const DEFAULT_SKU = "DEMO-SNEAKER";
const OUTCOME_ID = "outcome";

const api = new ApiClient(httpTransport());
const liveSource = webSocketSource();

export function Storefront() {
	const sku = new URLSearchParams(location.search).get("sku") || DEFAULT_SKU;
	const {
		product,
		missing,
		loadProblem,
		availability,
		offsetMs,
		feed,
		accept,
		reread,
		reconnects,
		productMessages,
	} = useProductFeed(sku, api, liveSource);
	const [hold, setHold] = useStored<HeldReservation | null>(holdKey(sku), isHeld, null);
	const [orders, setOrders] = useStored<StoredOrder[]>(ORDERS_KEY, isOrders, []);
	const [notice, setNotice] = useState<StoreNotice | null>(null);
	const [busy, setBusy] = useState<null | "verify" | "reserve" | "pay" | "cancel">(null);
	const [quantity, setQuantity] = useState(1);
	const [method, setMethod] = useState<PaymentMethodId>("pm_card_visa");
	const [waitUntilMs, setWaitUntilMs] = useState(0);
	const reserveKey = useRef<PendingReserve | null>(null);
	const focusNext = useFocusAfterRender();
	const now = useNow(250);
	const serverNowMs = now + offsetMs;
	// `session` while it lasts (by the server's answer, counted on this page's clock); `owner`
	// also after it ended, within its grace: the hold's own actions and the renewal use it
	// (useBuyerSession.ts, docs/decisions/086-a-sessions-end-and-what-it-owns.md).
	const { live: session, owner, endsAtMs, setSession, lapse } = useBuyerSession(now, offsetMs);
	// The session's other tabs: what they did is read from the server here (useTabNews.ts).
	const tabs = useTabNews(sku, owner?.sessionId ?? null);

	api.token = owner?.token ?? null;

	const paidUnits = orders
		.filter((o) => o.sessionId === owner?.sessionId && o.order.sku === sku)
		.reduce((n, o) => n + (o.order.status === "PAID" ? o.order.quantity : 0), 0);
	const heldUnits = hold?.reservation.sku === sku ? hold.reservation.quantity : 0;
	const sale =
		product !== null && availability !== null
			? saleView(product, availability, serverNowMs, paidUnits + heldUnits)
			: null;
	const waitSeconds = Math.ceil((waitUntilMs - now) / 1000);

	// An outcome the live state has made untrue goes away: "Sold out" once stock is back
	// (seen in an availability newer than the answer), "not started" once it has, a
	// "please wait" once the wait is over.
	useEffect(() => {
		if (notice?.code === undefined || sale === null || availability === null) return;
		const untrue =
			notice.code === "rate_limited"
				? waitUntilMs > 0 && waitSeconds <= 0
				: !stillTrue(notice.code, sale, {
						noticeAtServerMs: notice.atServerMs ?? 0,
						availabilityAsOfMs: Date.parse(availability.asOf),
						serverNowMs,
					});
		if (untrue) setNotice(null);
	});

	// Another tab of the session released a hold: a limit this tab was told of may not hold now.
	useEffect(() => {
		if (tabs.freed > 0) setNotice((n) => (n?.code === "purchase_limit" ? null : n));
	}, [tabs.freed]);

	const say = (value: StoreNotice, focus = false) => {
		setNotice(value);
		if (focus) focusNext({ id: OUTCOME_ID });
	};

	const fail = useCallback(
		(err: ApiErr) => {
			if (err.code === "unauthorized") lapse();
			const waits = err.code === "rate_limited" && err.retryAfterSeconds !== null;
			if (waits) setWaitUntilMs(Date.now() + (err.retryAfterSeconds as number) * 1000);
			setNotice({
				tone: "error",
				text: describeError(err, {
					perUserLimit: product?.perUserLimit,
					startsAt: product?.startsAt,
				}),
				...(err.code !== "rate_limited" || waits
					? { code: err.code, atServerMs: Date.now() + offsetMs }
					: {}),
			});
			focusNext({ id: OUTCOME_ID });
		},
		[product, offsetMs, focusNext, lapse],
	);
	const { config, configProblem, checkRound, verify } = useHumanCheck(api, sku, {
		hold,
		renewToken: owner?.token ?? null,
		fail,
		hasRoom: product?.waitingRoom?.enabled === true,
		setSession,
		setNotice,
		setBusy,
		focusNext,
		accept,
	});

	const reserve = async () => {
		if (sale === null || session === null) return;
		// An earlier Reserve of this SKU whose outcome is unknown may have taken a hold the page
		// never saw: the same key makes the server answer with that hold (docs/api.md,
		// Reservations), never a second one. Kept whatever the quantity now says, since the
		// server replays by key alone (docs/decisions/059-storefront-retries.md).
		// Kept in this tab's sessionStorage before it is sent, so a reload while the outcome is
		// unknown (a lost answer, or the reload itself cutting the request) reuses it too
		// (docs/decisions/065-leftovers-of-the-review-rounds.md).
		const reuse = reserveKey.current ?? load(pendingReserveKey(sku), isPendingReserve);
		const pending =
			reuse?.sku === sku && reuse.sessionId === session.sessionId
				? reuse
				: { sku, sessionId: session.sessionId, key: newIdempotencyKey() };
		reserveKey.current = pending;
		save(pendingReserveKey(sku), pending);
		const key = pending.key;
		setBusy("reserve");
		setNotice(null);
		const r = await api.reserve(sku, {
			quantity: Math.min(quantity, sale.maxQuantity),
			idempotencyKey: key,
		});
		setBusy(null);
		if (!r.ok && (UNKNOWN_OUTCOME.has(r.code) || r.status >= 500)) {
			fail(r);
			// A limiter's 429 took nothing and keeps its own "please wait" words.
			if (r.code === "rate_limited" || r.code === "cost_limit") return;
			say({
				tone: "error",
				text: `${describeError(r, { perUserLimit: product?.perUserLimit, startsAt: product?.startsAt })} Reserving again is safe: if the first try took a hold, you get that same hold, never a second.`,
			});
			return;
		}
		// A definite answer: the next Reserve is a new attempt with a new key.
		reserveKey.current = null;
		save(pendingReserveKey(sku), null);
		if (!r.ok) {
			// Not (or no longer) admitted: the waiting page shows where this session stands.
			if (r.code === "queued") void queue.refresh();
			rereadIfOutdated(r.code);
			return fail(r);
		}
		// A retried key answers its hold as it stands now (docs/api.md, Reservations): one that
		// ended meanwhile is said so, never shown with a Pay button; a live one's countdown is the
		// time it has left, not the first answer's (docs/decisions/088-ended-holds-and-replays.md).
		if (!stillHeld(r.data.status)) return setNotice(endedHoldNotice(r.data.status));
		setHold({ reservation: r.data, deadlineMs: Date.now() + r.data.expiresInSeconds * 1000 });
		tabs.tell(false);
		setNotice({
			tone: "success",
			text: `Reserved ${r.data.quantity === 1 ? "1 unit" : `${r.data.quantity} units`}. Pay before the timer runs out to keep it.`,
		});
		// On a phone the hold and its Pay button start below the fold: bring them up.
		focusNext({ id: "hold-title", toTop: true });
	};

	const { pay, cancel } = useHoldActions(api, {
		hold,
		setHold,
		session: owner,
		setOrders,
		method,
		now,
		busy: busy !== null,
		setBusy,
		setNotice,
		notice,
		say,
		fail,
		focusNext,
		offsetMs,
		availability,
		// A product message (an operator's PATCH or reset), the feed back after a drop, or
		// another tab of the session that paid or released.
		news: productMessages + reconnects + tabs.news,
		tell: tabs.tell,
	});

	// The waiting room (docs/waiting-room.md): with one enabled, Reserve is offered only
	// while this session's admission lasts; until then the waiting page stands in its place.
	const room = product?.waitingRoom?.enabled === true ? product.waitingRoom : null;
	// An answer the page's copy of the product did not foresee: the operator changed it
	// (a room enabled or disabled, the start moved, the limit lowered). Read it again, so
	// the page offers what the server now asks for (the queue, the new start).
	const rereadIfOutdated = (code: string) => {
		if (refusalOutdatesProduct(code, { hasRoom: room !== null, status: sale?.status ?? null }))
			reread();
	};
	const queue = useQueueTicket(
		api,
		sku,
		room !== null && session !== null && hold === null,
		product?.startsAt ? Date.parse(product.startsAt) : null,
		offsetMs,
		(err) => {
			// The room was disabled since the page read the product: Reserve is open again.
			if (err.code === "invalid_state") reread();
			fail(err);
		},
		reconnects,
		productMessages,
		tabs,
	);
	// A lapsed admission is over here at once (the ticket is read again just after, too).
	const admitted = shownTicketState(queue.ticket, serverNowMs) === "admitted";
	// Sold out for good: nothing available and no hold left that could return.
	const soldOutForGood =
		availability !== null && availability.available === 0 && availability.reserved === 0;
	const showReserve = room === null || admitted;
	// At the per-buyer limit the waiting card offers no turn: one could buy nothing, and the
	// server refuses the ticket (docs/decisions/097-the-storefront-queue-and-limit-states.md).
	const atLimit = product !== null && sale !== null && sale.allowance === 0;
	// Or the server refused a join for the limit: units this tab does not see (another tab's).
	const limitText =
		product === null
			? null
			: atLimit
				? limitReason(product, paidUnits + heldUnits)
				: queue.atLimit
					? limitElsewhereReason(product)
					: null;
	const joinOffered =
		room !== null &&
		limitText === null &&
		waitingCardState(queue.ticket, soldOutForGood, serverNowMs) === null;
	// The human check's sentence follows what the page shows, and goes once it has nothing
	// true to say (verified-notice.ts).
	const verifiedNow =
		notice?.verified === true
			? verifiedText({
					sessionLive: session !== null,
					holding: hold !== null,
					room: room !== null,
					joinOffered,
					reserveOpen: showReserve && sale !== null && sale.blocked === null,
				})
			: undefined;
	useEffect(() => {
		if (verifiedNow === null) setNotice(null);
	});
	const shownNotice =
		notice !== null && typeof verifiedNow === "string" ? { ...notice, text: verifiedNow } : notice;

	return (
		<Layout current="/">
			{missing && <ProductMissing sku={sku} />}
			{loadProblem !== null && product === null && (
				<p role="alert" class="notice notice-error">
					Could not load the product: {loadProblem} Trying again by itself…
				</p>
			)}
			{product !== null && availability !== null && sale !== null && (
				<ProductCard product={product} availability={availability} sale={sale} feed={feed} />
			)}
			{product === null && !missing && loadProblem === null && (
				<p class="muted">Loading the product…</p>
			)}
			<div id={OUTCOME_ID} tabIndex={-1} class="outcome">
				<Notice value={shownNotice} label="Purchase status" />
			</div>

			{product !== null && session === null && (
				<VerifyPanel
					ended={owner !== null}
					config={config}
					configProblem={configProblem}
					checkRound={checkRound}
					onToken={verify}
				/>
			)}

			{room !== null && session !== null && hold === null && !admitted && (
				<WaitingPanel
					ticket={queue.ticket}
					soldOut={soldOutForGood}
					admitSeconds={room.admitSeconds}
					startsAt={product?.startsAt ?? null}
					joining={queue.joining}
					retry={
						queue.retry === null
							? null
							: {
									message: queue.retry.message,
									inSeconds: Math.max(0, Math.ceil((queue.retry.atMs - now) / 1000)),
								}
					}
					stopped={queue.stopped}
					dropped={queue.dropped}
					limit={limitText}
					onCheckAgain={!atLimit && queue.atLimit ? () => void queue.join() : undefined}
					bought={paidUnits > 0}
					nowMs={serverNowMs}
					onJoin={() => void queue.join()}
				/>
			)}
			{room !== null && hold === null && admitted && queue.ticket !== null && (
				<AdmittedBanner ticket={queue.ticket} nowMs={now + offsetMs} />
			)}
			{product !== null && sale !== null && session !== null && hold === null && showReserve && (
				<ReservePanel
					sale={sale}
					quantity={quantity}
					sessionEndsInSeconds={((endsAtMs ?? now) - now) / 1000}
					busy={busy !== null}
					waitSeconds={waitSeconds}
					onQuantity={setQuantity}
					onReserve={() => void reserve()}
				/>
			)}

			{product !== null && hold !== null && (
				<HoldPanel
					hold={hold}
					product={product}
					nowMs={now}
					method={method}
					busy={busy !== null}
					trouble={feedTrouble(feed)}
					onMethod={setMethod}
					onPay={() => void pay()}
					onCancel={() => void cancel()}
				/>
			)}

			<Orders orders={orders} />
		</Layout>
	);
}
