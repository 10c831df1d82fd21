// The storefront (/): one product (?sku=, the seeded demo product otherwise),
// its live stock, the human check, Reserve, the hold's countdown, checkout with
// the test payment methods, this visit's orders, and a clear sentence for every
// outcome. What is shown about the sale is derived from the live availability
// and the clock on every render (sale.ts), never kept from an earlier answer.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Reservation, UiConfig } from "../../shared/types.ts";
import { ApiClient, type ApiErr, type Session } from "../api/client.ts";
import { webSocketSource } from "../api/live.ts";
import { backoffMs } from "../api/live-protocol.ts";
import { describeError } from "../api/outcomes.ts";
import { httpTransport } from "../api/transport.ts";
import { Layout, Notice, type NoticeValue } from "../components/Layout.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { newIdempotencyKey, useNow } from "../lib/hooks.ts";
import { endedHoldNotice, stillHeld } from "./ended-hold.ts";
import { useFocusAfterRender } from "./focus.ts";
import { type HeldReservation, HoldPanel } from "./HoldPanel.tsx";
import { Orders, orderHeadingId, type StoredOrder } from "./Orders.tsx";
import { ProductCard, ProductMissing } from "./ProductCard.tsx";
import type { PaymentMethodId } from "./payment-methods.ts";
import { shownTicketState } from "./queue-poll.ts";
import { ReservePanel } from "./ReservePanel.tsx";
import { orderNumber, refusalOutdatesProduct, saleView, stillTrue } from "./sale.ts";
import {
	holdKey,
	isHeld,
	isOrders,
	isSession,
	MAX_STORED_ORDERS,
	ORDERS_KEY,
	SESSION_KEY,
	useStored,
} from "./stored.ts";
import { useHoldExpiry } from "./useHoldExpiry.ts";
import { useProductFeed } from "./useProductFeed.ts";
import { useQueueTicket } from "./useQueueTicket.ts";
import { AdmittedBanner, WaitingPanel } from "./WaitingPanel.tsx";

export const DEFAULT_SKU = "DEMO-SNEAKER";
/** Answers after which a retried payment or reserve reuses its Idempotency-Key: the outcome is unknown. */
const UNKNOWN_OUTCOME = new Set([
	"network_error",
	"bad_response",
	"unavailable",
	"internal_error",
	"rate_limited",
	"cost_limit",
]);
const OUTCOME_ID = "outcome";

const api = new ApiClient(httpTransport());
const liveSource = webSocketSource();

/** An outcome on screen; `code` and `atServerMs` let the live state retire it once untrue. */
type StoreNotice = NoticeValue & { code?: string; atServerMs?: number };

export function Storefront() {
	const sku = new URLSearchParams(location.search).get("sku") || DEFAULT_SKU;
	const { product, missing, loadProblem, availability, offsetMs, feed, accept, reread } =
		useProductFeed(sku, api, liveSource);
	const [config, setConfig] = useState<UiConfig | null>(null);
	const [session, setSession] = useStored<Session | null>(SESSION_KEY, isSession, null);
	const [hold, setHold] = useStored<HeldReservation | null>(holdKey(sku), isHeld, null);
	const [orders, setOrders] = useStored<StoredOrder[]>(ORDERS_KEY, isOrders, []);
	const [notice, setNotice] = useState<StoreNotice | null>(null);
	const [busy, setBusy] = useState<null | "verify" | "reserve" | "pay" | "cancel">(null);
	const [quantity, setQuantity] = useState(1);
	const [method, setMethod] = useState<PaymentMethodId>("pm_card_visa");
	const [waitUntilMs, setWaitUntilMs] = useState(0);
	const checkoutKey = useRef<{ reservationId: string; method: string; key: string } | null>(null);
	const reserveKey = useRef<{ sku: string; sessionId: string; key: string } | null>(null);
	const focusNext = useFocusAfterRender();
	const now = useNow(250);
	const serverNowMs = now + offsetMs;

	api.token = session?.token ?? null;
	// The human check needs the config: a failed read is retried with the feed's backoff
	// (never sooner than its Retry-After), saying why meanwhile, so no reload is needed.
	const [configProblem, setConfigProblem] = useState<string | null>(null);
	useEffect(() => {
		let stopped = false;
		let attempt = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const load = async () => {
			const r = await api.config();
			if (stopped) return;
			if (r.ok) {
				setConfig(r.data);
				setConfigProblem(null);
				return;
			}
			attempt += 1;
			setConfigProblem(describeError(r));
			const waitMs = Math.max(backoffMs(attempt), (r.retryAfterSeconds ?? 0) * 1000);
			timer = setTimeout(() => void load(), waitMs);
		};
		void load();
		return () => {
			stopped = true;
			if (timer !== undefined) clearTimeout(timer);
		};
	}, []);
	// A failed human check is offered again (a Turnstile token is single-use): at once, or
	// once the answer's Retry-After has passed. Each change re-arms the widget.
	const [checkRound, setCheckRound] = useState(0);

	// A session past its end is gone: ask for the human check again.
	if (session !== null && Date.parse(session.expiresAt) <= now) setSession(null);

	const paidUnits = orders
		.filter((o) => o.sessionId === session?.sessionId && o.order.sku === sku)
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

	const say = (value: StoreNotice, focus = false) => {
		setNotice(value);
		if (focus) focusNext({ id: OUTCOME_ID });
	};

	const fail = useCallback(
		(err: ApiErr) => {
			if (err.code === "unauthorized") setSession(null);
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
		[product, offsetMs, focusNext],
	);

	// Stable for the page's life: the Turnstile widget renders again whenever its callback
	// changes, and this page re-renders several times a second (the countdowns).
	const hasRoom = product?.waitingRoom?.enabled === true;
	const latest = useRef({ hold, fail, room: hasRoom });
	latest.current = { hold, fail, room: hasRoom };
	const verify = useCallback(
		async (token: string) => {
			setBusy("verify");
			const r = await api.createSession(token);
			setBusy(null);
			if (r.ok) {
				setSession(r.data);
				setNotice({
					tone: "success",
					text: latest.current.room
						? "You are verified. Join the queue to get your turn."
						: "You are verified. You can reserve now.",
				});
				// The step that replaces the check: Reserve, or the hold this tab already has.
				focusNext({
					id:
						latest.current.hold !== null
							? "hold-title"
							: latest.current.room
								? "queue-title"
								: "reserve-title",
				});
				// Read the product once as this session: fresh numbers, and the limiter's
				// bot signals see that this buyer looked before reserving.
				api.token = r.data.token;
				void api.product(sku).then((p) => p.ok && accept(p.data.availability));
			} else {
				latest.current.fail(r);
				setTimeout(() => setCheckRound((n) => n + 1), (r.retryAfterSeconds ?? 0) * 1000);
			}
		},
		[sku, accept, focusNext],
	);

	const reserve = async () => {
		if (sale === null || session === null) return;
		// An earlier Reserve of this SKU whose outcome is unknown may have taken a hold the page
		// never saw: the same key makes the server answer with that hold (docs/api.md,
		// Reservations), never a second one. Kept whatever the quantity now says, since the
		// server replays by key alone (docs/decisions/059-storefront-retries.md).
		const reuse = reserveKey.current;
		if (reuse?.sku !== sku || reuse.sessionId !== session.sessionId)
			reserveKey.current = { sku, sessionId: session.sessionId, key: newIdempotencyKey() };
		const key = (reserveKey.current as { key: string }).key;
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
		if (!r.ok) {
			// Not (or no longer) admitted: the waiting page shows where this session stands.
			if (r.code === "queued") void queue.refresh();
			rereadIfOutdated(r.code);
			return fail(r);
		}
		setHold({ reservation: r.data, deadlineMs: Date.now() + r.data.expiresInSeconds * 1000 });
		setNotice({
			tone: "success",
			text: `Reserved ${r.data.quantity === 1 ? "1 unit" : `${r.data.quantity} units`}. Pay before the timer runs out to keep it.`,
		});
		// On a phone the hold and its Pay button start below the fold: bring them up.
		focusNext({ id: "hold-title", toTop: true });
	};

	const pay = async () => {
		if (hold === null || session === null) return;
		const id = hold.reservation.reservationId;
		// Same hold and method, outcome unknown so far: reuse the key so a retry can never
		// charge twice. Another method, or after a definite failure: a new payment, a new key.
		const reuse = checkoutKey.current;
		if (reuse?.reservationId !== id || reuse.method !== method)
			checkoutKey.current = { reservationId: id, method, key: newIdempotencyKey() };
		const key = (checkoutKey.current as { key: string }).key;
		setBusy("pay");
		setNotice({ tone: "info", text: "Paying…" });
		const r = await api.checkout(id, method, key);
		if (r.ok) {
			setBusy(null);
			checkoutKey.current = null;
			setHold(null);
			setOrders((list) =>
				[{ sessionId: session.sessionId, order: r.data }, ...list].slice(0, MAX_STORED_ORDERS),
			);
			setNotice({
				tone: "success",
				text: `Payment accepted. Order ${orderNumber(r.data.orderId)} is confirmed.`,
			});
			focusNext({ id: orderHeadingId(r.data.orderId) });
			return;
		}
		if (UNKNOWN_OUTCOME.has(r.code) || r.status >= 500) {
			setBusy(null);
			fail(r);
			say({
				tone: "error",
				text: `${describeError(r)} Paying again with the same method is safe: you will not be charged twice.`,
			});
			return;
		}
		checkoutKey.current = null;
		const payment = r.payment;
		if (r.code === "payment_declined" && payment?.holdKept) {
			// The hold is still ours (docs/api.md): stay on it and offer the other methods.
			setBusy(null);
			setHold((h) => h && { ...h, failed: [...(h.failed ?? []), { method, payment }] });
			fail(r);
			return;
		}
		// Released, expired or paid elsewhere: ask the server where the hold stands.
		const current = await api.reservation(id);
		setBusy(null);
		if (!current.ok || !["RESERVED", "CHECKOUT_PENDING"].includes(current.data.status))
			setHold(null);
		fail(r);
	};

	// A hold on screen that was paid elsewhere (another tab of this session): its order
	// joins this page's list, so the buyer sees what they bought.
	const paidElsewhere = async (current: Reservation) => {
		const order = current.orderId ? await api.order(current.orderId) : null;
		if (order?.ok !== true || session === null) {
			say(endedHoldNotice("PAID"), true);
			return;
		}
		const paid = order.data;
		setOrders((list) =>
			list.some((o) => o.order.orderId === paid.orderId)
				? list
				: [{ sessionId: session.sessionId, order: paid }, ...list].slice(0, MAX_STORED_ORDERS),
		);
		setNotice({
			tone: "success",
			text: `This hold is already paid: order ${orderNumber(paid.orderId)} is confirmed.`,
		});
		focusNext({ id: orderHeadingId(paid.orderId) });
	};

	const cancel = async () => {
		if (hold === null) return;
		const id = hold.reservation.reservationId;
		setBusy("cancel");
		const r = await api.cancel(id);
		if (r.ok || r.code === "not_found") {
			setBusy(null);
			setHold(null);
			say({ tone: "info", text: "Hold released: the units are back in stock." }, true);
			return;
		}
		if (r.code !== "invalid_state") {
			setBusy(null);
			return fail(r);
		}
		// Not cancellable: the hold already ended (an earlier Cancel whose answer was lost,
		// another tab, the timer) or a payment is settling it. Ask the server where it stands.
		const current = await api.reservation(id);
		setBusy(null);
		if (!current.ok || stillHeld(current.data.status)) {
			// Still on the server's books (a payment settling it), or unknown: the hold stays,
			// and its timer asks the server again when it runs out.
			say(
				{
					tone: "error",
					text: !current.ok
						? "This hold could not be cancelled: it may have ended already. This page could not check with the store; it will when the timer runs out."
						: current.data.status === "CHECKOUT_PENDING"
							? "A payment for this hold is in progress, so it cannot be cancelled now."
							: "This hold could not be cancelled. Please try again.",
				},
				true,
			);
			return;
		}
		setHold(null);
		if (current.data.status === "PAID") return void paidElsewhere(current.data);
		say(endedHoldNotice(current.data.status), true);
	};

	useHoldExpiry(
		api,
		hold,
		setHold,
		now,
		busy !== null,
		(notice) => say(notice, true),
		(current) => void paidElsewhere(current),
	);

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
	);
	// A lapsed admission is over here at once (the ticket is read again just after, too).
	const admitted = shownTicketState(queue.ticket, serverNowMs) === "admitted";
	// Sold out for good: nothing available and no hold left that could return.
	const soldOutForGood =
		availability !== null && availability.available === 0 && availability.reserved === 0;
	const showReserve = room === null || admitted;

	const offline = feed.lostAtMs !== null;
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
				<Notice value={notice} label="Purchase status" />
			</div>

			{product !== null && session === null && (
				<section class="card" aria-labelledby="verify-title">
					<h2 id="verify-title">Verify you are human</h2>
					<p class="muted small">One check per visit keeps bots away from the stock.</p>
					{config !== null ? (
						<Turnstile
							siteKey={config.turnstileSiteKey}
							local={config.localTurnstile}
							round={checkRound}
							onToken={verify}
						/>
					) : configProblem !== null ? (
						<p role="alert" class="notice notice-error">
							Could not load the human check: {configProblem} Trying again by itself…
						</p>
					) : (
						<p class="muted">Loading…</p>
					)}
				</section>
			)}

			{room !== null && session !== null && hold === null && !admitted && (
				<WaitingPanel
					ticket={queue.ticket}
					soldOut={soldOutForGood}
					admitSeconds={room.admitSeconds}
					startsAt={product?.startsAt ?? null}
					joining={queue.joining}
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
					sessionEndsInSeconds={(Date.parse(session.expiresAt) - now) / 1000}
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
					offline={offline}
					onMethod={setMethod}
					onPay={() => void pay()}
					onCancel={() => void cancel()}
				/>
			)}

			<Orders orders={orders} />
		</Layout>
	);
}
