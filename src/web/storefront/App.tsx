// The storefront (/): one product (?sku=, the seeded demo product otherwise),
// its live stock, the human check, Reserve, the hold's countdown, checkout with
// the test payment methods, and a clear sentence for every outcome.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Availability, Order, Product, UiConfig } from "../../shared/types.ts";
import { ApiClient, type ApiErr, type Session } from "../api/client.ts";
import { type LiveState, webSocketSource } from "../api/live.ts";
import { describeCode, describeError } from "../api/outcomes.ts";
import { httpTransport } from "../api/transport.ts";
import { Layout, Notice, type NoticeValue } from "../components/Layout.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { clock } from "../lib/format.ts";
import { newIdempotencyKey, useNow } from "../lib/hooks.ts";
import { isObject, load, save } from "../lib/stored.ts";
import { type HeldReservation, HoldPanel } from "./HoldPanel.tsx";
import { OrderCard } from "./OrderCard.tsx";
import { ProductCard } from "./ProductCard.tsx";
import type { PaymentMethodId } from "./payment-methods.ts";

export const DEFAULT_SKU = "DEMO-SNEAKER";
const SESSION_KEY = "rg.buyer.session";
/** Answers after which a retried payment must reuse its Idempotency-Key: the outcome is unknown. */
const UNKNOWN_OUTCOME = new Set([
	"network_error",
	"bad_response",
	"unavailable",
	"internal_error",
	"rate_limited",
	"cost_limit",
]);
const MAX_QUANTITY_CHOICES = 10;

const api = new ApiClient(httpTransport());
const liveSource = webSocketSource();

const isSession = (v: unknown): v is Session =>
	isObject(v) && typeof v.token === "string" && typeof v.expiresAt === "string";
const isHeld = (v: unknown): v is HeldReservation =>
	isObject(v) && isObject(v.reservation) && typeof v.deadlineMs === "number";
const isOrder = (v: unknown): v is Order => isObject(v) && typeof v.orderId === "string";

function newer(current: Availability | null, next: Availability): Availability {
	return current !== null && Date.parse(next.asOf) < Date.parse(current.asOf) ? current : next;
}

export function Storefront() {
	const sku = new URLSearchParams(location.search).get("sku") || DEFAULT_SKU;
	const holdKey = `rg.buyer.hold.${sku}`;
	const orderKey = `rg.buyer.order.${sku}`;
	const [config, setConfig] = useState<UiConfig | null>(null);
	const [product, setProduct] = useState<Product | null>(null);
	const [loadError, setLoadError] = useState<string | null>(null);
	const [availability, setAvailability] = useState<Availability | null>(null);
	const [live, setLive] = useState<LiveState>({ kind: "connecting" });
	const [session, setSession] = useState<Session | null>(() => load(SESSION_KEY, isSession));
	const [hold, setHold] = useState<HeldReservation | null>(() => load(holdKey, isHeld));
	const [order, setOrder] = useState<Order | null>(() => load(orderKey, isOrder));
	const [notice, setNotice] = useState<NoticeValue | null>(null);
	const [busy, setBusy] = useState<null | "verify" | "reserve" | "pay" | "cancel">(null);
	const [quantity, setQuantity] = useState(1);
	const [method, setMethod] = useState<PaymentMethodId>("pm_card_visa");
	const [waitUntilMs, setWaitUntilMs] = useState(0);
	const checkoutKey = useRef<{ reservationId: string; key: string } | null>(null);
	const checkingExpiry = useRef(false);
	const now = useNow(250);

	api.token = session?.token ?? null;
	useEffect(() => save(SESSION_KEY, session), [session]);
	useEffect(() => save(holdKey, hold), [hold, holdKey]);
	useEffect(() => save(orderKey, order), [order, orderKey]);

	useEffect(() => {
		void api.config().then((r) => r.ok && setConfig(r.data));
		void api.product(sku).then((r) => {
			if (r.ok) {
				setProduct(r.data);
				setAvailability((a) => newer(a, r.data.availability));
			} else
				setLoadError(
					r.code === "unknown_sku" ? `No product has the SKU ${sku}.` : describeError(r),
				);
		});
		return liveSource.subscribe(sku, (a) => setAvailability((cur) => newer(cur, a)), setLive);
	}, [sku]);

	// A session past its end is gone: ask for the human check again.
	if (session !== null && Date.parse(session.expiresAt) <= now) setSession(null);

	const fail = useCallback(
		(err: ApiErr) => {
			if (err.code === "unauthorized") setSession(null);
			if (err.code === "rate_limited" && err.retryAfterSeconds !== null) {
				setWaitUntilMs(Date.now() + err.retryAfterSeconds * 1000);
			}
			setNotice({
				tone: "error",
				text: describeError(err, {
					perUserLimit: product?.perUserLimit,
					startsAt: product?.startsAt,
				}),
			});
		},
		[product],
	);

	const verify = useCallback(
		async (token: string) => {
			setBusy("verify");
			const r = await api.createSession(token);
			setBusy(null);
			if (r.ok) {
				setSession(r.data);
				setNotice({ tone: "success", text: "You are verified. You can reserve now." });
				// Read the product once as this session: fresh numbers, and the limiter's
				// bot signals see that this buyer looked before reserving (issue 7).
				api.token = r.data.token;
				void api
					.product(sku)
					.then((p) => p.ok && setAvailability((a) => newer(a, p.data.availability)));
			} else setNotice({ tone: "error", text: describeError(r) });
		},
		[sku],
	);

	const reserve = async () => {
		setBusy("reserve");
		setNotice(null);
		const r = await api.reserve(sku, { quantity, idempotencyKey: newIdempotencyKey() });
		setBusy(null);
		if (!r.ok) return fail(r);
		setOrder(null);
		setHold({ reservation: r.data, deadlineMs: Date.now() + r.data.expiresInSeconds * 1000 });
		setNotice({
			tone: "success",
			text: `Reserved ${r.data.quantity === 1 ? "1 unit" : `${r.data.quantity} units`}. Pay before the timer runs out to keep it.`,
		});
	};

	const pay = async () => {
		if (hold === null) return;
		const id = hold.reservation.reservationId;
		// Same hold, outcome unknown so far: reuse the key so a retry can never charge twice.
		if (checkoutKey.current?.reservationId !== id)
			checkoutKey.current = { reservationId: id, key: newIdempotencyKey() };
		setBusy("pay");
		setNotice({ tone: "info", text: "Paying…" });
		const r = await api.checkout(id, method, checkoutKey.current.key);
		if (r.ok) {
			setBusy(null);
			checkoutKey.current = null;
			setHold(null);
			setOrder(r.data);
			setNotice({
				tone: "success",
				text: `Payment accepted. Order ${r.data.orderId} is confirmed.`,
			});
			return;
		}
		if (UNKNOWN_OUTCOME.has(r.code) || r.status >= 500) {
			setBusy(null);
			fail(r);
			setNotice({
				tone: "error",
				text: `${describeError(r)} Paying again is safe: you will not be charged twice.`,
			});
			return;
		}
		checkoutKey.current = null;
		// The hold may be gone (declined, expired, failed provider): ask the server.
		const now = await api.reservation(id);
		setBusy(null);
		if (!now.ok || !["RESERVED", "CHECKOUT_PENDING"].includes(now.data.status)) setHold(null);
		fail(r);
	};

	const cancel = async () => {
		if (hold === null) return;
		setBusy("cancel");
		const r = await api.cancel(hold.reservation.reservationId);
		setBusy(null);
		if (r.ok || r.code === "not_found") {
			setHold(null);
			setNotice({ tone: "info", text: "Hold released: the units are back in stock." });
		} else fail(r);
	};

	// The hold's timer ran out: confirm with the server (its clock decides), then say so.
	useEffect(() => {
		if (hold === null || now < hold.deadlineMs || busy !== null || checkingExpiry.current) return;
		checkingExpiry.current = true;
		void api.reservation(hold.reservation.reservationId).then((r) => {
			checkingExpiry.current = false;
			if (r.ok && r.data.status === "RESERVED") {
				setHold({ ...hold, deadlineMs: Date.now() + 1000 });
				return;
			}
			setHold(null);
			if (!r.ok || r.data.status === "EXPIRED") {
				setNotice({
					tone: "error",
					text: describeCode("reservation_expired", "The hold expired."),
				});
			}
		});
	}, [now, hold, busy]);

	const waitSeconds = Math.ceil((waitUntilMs - now) / 1000);
	const limit = Math.min(product?.perUserLimit ?? 1, MAX_QUANTITY_CHOICES);

	return (
		<Layout current="/">
			{loadError !== null && (
				<p role="alert" class="notice notice-error">
					{loadError}
				</p>
			)}
			{product !== null && availability !== null && (
				<ProductCard product={product} availability={availability} live={live} nowMs={now} />
			)}
			{product === null && loadError === null && <p class="muted">Loading the product…</p>}
			<Notice value={notice} label="Purchase status" />

			{product !== null && session === null && (
				<section class="card" aria-labelledby="verify-title">
					<h2 id="verify-title">Verify you are human</h2>
					<p class="muted small">One check per visit keeps bots away from the stock.</p>
					{config !== null ? (
						<Turnstile
							siteKey={config.turnstileSiteKey}
							local={config.localTurnstile}
							onToken={verify}
						/>
					) : (
						<p class="muted">Loading…</p>
					)}
				</section>
			)}

			{product !== null && session !== null && hold === null && (
				<section class="card" aria-labelledby="reserve-title">
					<h2 id="reserve-title">Reserve</h2>
					<p class="muted small">
						Verified · session ends in {clock((Date.parse(session.expiresAt) - now) / 1000)}
					</p>
					<form
						class="row"
						onSubmit={(e) => {
							e.preventDefault();
							void reserve();
						}}
					>
						<label for="quantity">Quantity</label>
						<select
							id="quantity"
							value={quantity}
							onChange={(e) => setQuantity(Number(e.currentTarget.value))}
						>
							{Array.from({ length: limit }, (_, i) => (
								<option key={i} value={i + 1}>
									{i + 1}
								</option>
							))}
						</select>
						<button type="submit" class="primary" disabled={busy !== null || waitSeconds > 0}>
							{busy === "reserve"
								? "Reserving…"
								: waitSeconds > 0
									? `Wait ${waitSeconds} s`
									: "Reserve"}
						</button>
					</form>
				</section>
			)}

			{product !== null && hold !== null && (
				<HoldPanel
					hold={hold}
					product={product}
					nowMs={now}
					method={method}
					busy={busy !== null}
					onMethod={setMethod}
					onPay={() => void pay()}
					onCancel={() => void cancel()}
				/>
			)}

			{order !== null && <OrderCard order={order} />}
		</Layout>
	);
}
