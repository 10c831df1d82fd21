// The storefront (/): one product (?sku=, the seeded demo product otherwise),
// its live stock, the human check, Reserve, the hold's countdown, checkout with
// the test payment methods, this visit's orders, and a clear sentence for every
// outcome. What is shown about the sale is derived from the live availability
// and the clock on every render (sale.ts), never kept from an earlier answer.

import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiClient, type ApiErr } from "../api/client.ts";
import { webSocketSource } from "../api/live.ts";
import { describeError } from "../api/outcomes.ts";
import { httpTransport } from "../api/transport.ts";
import { Layout, Notice } from "../components/Layout.tsx";
import { useNow } from "../lib/hooks.ts";
import { KEEP_FOCUS, useFocusAfterRender } from "./focus.ts";
import { type HeldReservation, HoldPanel } from "./HoldPanel.tsx";
import { Orders, type StoredOrder } from "./Orders.tsx";
import { feedTrouble, ProductCard, ProductMissing } from "./ProductCard.tsx";
import { methodsFor, type PaymentMethodId } from "./payment-methods.ts";
import { preQueueSpreadMs, shownTicketState, waitingCardState } from "./queue-poll.ts";
import { RenewPanel } from "./RenewPanel.tsx";
import { ReservePanel } from "./ReservePanel.tsx";
import { queueLimitText, refusalOutdatesProduct, saleView, unitsForChoice } from "./sale.ts";
import { renewalDue } from "./session-renewal.ts";
import type { StoreNotice } from "./store-notice.ts";
import { holdKey, isHeld, isOrders, ORDERS_KEY, storedUnits, useStored } from "./stored.ts";
import { NotificationMissed } from "./TurnNotify.tsx";
import { elsewhereFromRead, elsewhereFromRefusal } from "./units-elsewhere.ts";
import { useBuyerSession } from "./useBuyerSession.ts";
import { useHoldActions } from "./useHoldActions.ts";
import { useHumanCheck } from "./useHumanCheck.ts";
import { useNoticeUpkeep } from "./useNoticeUpkeep.ts";
import { useOtherTabHold } from "./useOtherTabHold.ts";
import { usePageVisible } from "./usePageVisible.ts";
import { useProductFeed } from "./useProductFeed.ts";
import { useQueueTicket } from "./useQueueTicket.ts";
import { useReserve } from "./useReserve.ts";
import { useTabNews } from "./useTabNews.ts";
import { useTabTitle } from "./useTabTitle.ts";
import { useTurnClock } from "./useTurnClock.ts";
import { useTurnNotification } from "./useTurnNotification.ts";
import { useUnitsElsewhere } from "./useUnitsElsewhere.ts";
import { VerifyPanel } from "./VerifyPanel.tsx";
import { verifiedText } from "./verified-notice.ts";
import { AdmittedBanner, WaitingPanel } from "./WaitingPanel.tsx";
import { YourTurn } from "./YourTurn.tsx";

export const DEFAULT_SKU = "DEMO-SNEAKER";

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
	const [checkWaits, setCheckWaits] = useState(false);
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

	const { paid: paidUnits, own: ownUnits } = storedUnits(orders, hold, sku, owner?.sessionId);
	// The session's units elsewhere, as a limit refusal counted them, cap the quantity offered
	// while the page knows them (units-elsewhere.ts), not only while the refusal is on screen.
	const elsewhere = useUnitsElsewhere(tabs, owner?.sessionId ?? null, serverNowMs);
	const counted = unitsForChoice(
		ownUnits,
		product !== null && elsewhere.units > 0
			? { perUserLimit: product.perUserLimit, usedUnits: ownUnits + elsewhere.units }
			: undefined,
	);
	const sale =
		product !== null && availability !== null
			? saleView(product, availability, serverNowMs, counted)
			: null;
	// From this moment, not the last tick's (`now` may be 250 ms old): a wait just set shows its
	// Retry-After, never one second more.
	const waitSeconds = waitUntilMs === 0 ? 0 : Math.ceil((waitUntilMs - Date.now()) / 1000);

	// The notice kept true as the stock, the clock and the other tabs move (useNoticeUpkeep.ts).
	useNoticeUpkeep({
		notice,
		setNotice,
		sale,
		availability,
		waitUntilMs,
		waitSeconds,
		serverNowMs,
		tabs,
	});

	// An outcome is said once, by the purchase status: focus stays off it (focus.ts, decision 147).
	const say = (value: StoreNotice, focus = false) => {
		setNotice(value);
		if (focus) focusNext(KEEP_FOCUS);
	};

	const fail = useCallback(
		(err: ApiErr) => {
			if (err.code === "unauthorized") lapse(err.refusedToken);
			// A limiter's 429 and a cool-down after the session's own unpaid hold both say when:
			// Reserve counts down to it, and the notice goes when it is over.
			const waits =
				(err.code === "rate_limited" || err.code === "hold_cooldown") &&
				err.retryAfterSeconds !== null;
			if (waits) setWaitUntilMs(Date.now() + (err.retryAfterSeconds as number) * 1000);
			if (err.code === "purchase_limit" && owner !== null)
				elsewhere.learn(
					elsewhereFromRefusal(
						err.limit,
						ownUnits,
						owner.sessionId,
						Date.now() + offsetMs,
						product?.holdSeconds ?? 0,
					),
				);
			setNotice({
				tone: "error",
				text: describeError(err, {
					perUserLimit: product?.perUserLimit,
					startsAt: product?.startsAt,
				}),
				...(err.code !== "rate_limited" || waits
					? { code: err.code, atServerMs: Date.now() + offsetMs }
					: {}),
				...(err.limit === undefined ? {} : { limit: err.limit }),
			});
			focusNext(KEEP_FOCUS);
		},
		[product, offsetMs, focusNext, lapse, owner, ownUnits, elsewhere.learn],
	);
	const { config, configProblem, checkRound, verify, renew } = useHumanCheck(api, sku, {
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

	// A hold the session took in another tab or window shows here too, read from the server on the
	// other tab's news and on coming back into view.
	useOtherTabHold(api, {
		sku,
		session: session !== null,
		news: tabs.news,
		held: tabs.held,
		heldAnywhere: availability === null || availability.reserved > 0,
		hold,
		busy: busy !== null,
		loaded: availability !== null,
		offsetMs,
		setHold,
		say,
		counted: (used, shown) => {
			if (owner === null) return;
			const at = Date.now() + offsetMs;
			elsewhere.learn(elsewhereFromRead(used, ownUnits + shown, owner.sessionId, at, product));
		},
		cooling: setWaitUntilMs,
	});

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
		preQueueSpreadMs(room?.waiting ?? null, room?.admitSeconds ?? null),
		offsetMs,
		(err, quiet) => {
			// A poll's 401 (sent while live: the session keeps its grace): ask the other tabs, no notice.
			if (quiet) return lapse(err.refusedToken, true);
			if (err.code === "invalid_state") reread(); // the room was disabled: Reserve is open
			fail(err);
		},
		reconnects,
		productMessages,
		tabs,
	);
	const reserve = useReserve(api, {
		sku,
		sale,
		session,
		product,
		quantity,
		setBusy,
		setNotice,
		say,
		fail,
		setHold,
		rereadIfOutdated,
		refreshQueue: () => void queue.refresh(),
		told: (holdId) => tabs.tell({ freed: false, holdId }),
		focusNext,
	});
	// A lapsed admission is over at once, on a clock late answers do not set back (turn-clock.ts).
	const turnNowMs = useTurnClock(serverNowMs);
	const ticketState = shownTicketState(queue.ticket, turnNowMs);
	const admitted = ticketState === "admitted";
	// Renewed ahead of its end in view, or out of view while in line (session-renewal.ts): a buyer
	// waiting for the start or a turn, here or in another tab, does not meet the human check then.
	const visible = usePageVisible();
	const inLine = room !== null && (ticketState === "waiting" || ticketState === "admitted");
	const renewing =
		session !== null && renewalDue(endsAtMs, session.expiresInSeconds, now, visible, inLine);
	const turnUntil = hold === null && admitted ? (queue.ticket?.admittedUntil ?? null) : null;
	// Out of view, the tab's title says the turn and a renewal that waits for a click (tab-title.ts).
	// A session that ended there while in line reads no ticket: the title says the check is back.
	useTabTitle(visible, turnUntil, offsetMs, renewing && checkWaits, session === null && inLine);
	const notify = useTurnNotification(sku, turnUntil, visible, offsetMs, ticketState === "waiting");
	// Sold out for good: nothing available and no hold left that could return.
	const soldOutForGood =
		availability !== null && availability.available === 0 && availability.reserved === 0;
	const showReserve = room === null || admitted;
	// At the per-buyer limit the waiting card offers no turn (sale.ts queueLimitText).
	const atLimit = product !== null && sale !== null && sale.allowance === 0;
	const limitText = queueLimitText(product, sale, ownUnits, queue);
	const joinOffered =
		room !== null &&
		limitText === null &&
		waitingCardState(queue.ticket, soldOutForGood, turnNowMs) === null;
	// The human check's sentence follows what the page shows, and goes with nothing true to say.
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
		notice === null || typeof verifiedNow !== "string"
			? notice
			: verifiedNow === ""
				? null
				: { ...notice, text: verifiedNow };

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
			<div id="outcome" class="outcome">
				<Notice value={shownNotice} label="Purchase status" />
			</div>

			{product !== null && config !== null && renewing && (
				<RenewPanel
					config={config}
					endsInSeconds={Math.max(0, Math.ceil(((endsAtMs ?? now) - now) / 1000))}
					onToken={renew}
					onAsking={setCheckWaits}
				/>
			)}
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
					nowMs={turnNowMs}
					notify={notify}
					onJoin={() => void queue.join()}
				/>
			)}
			<YourTurn room={room} until={turnUntil} holding={hold !== null} nowMs={turnNowMs} />
			{room !== null && hold === null && admitted && queue.ticket !== null && (
				<>
					<AdmittedBanner ticket={queue.ticket} nowMs={turnNowMs} />
					<NotificationMissed notify={notify} />
				</>
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
					methods={methodsFor(config?.paymentProvider ?? null)}
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
