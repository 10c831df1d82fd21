// The operator console (/console): sign in with the ADMIN_TOKEN (kept in this
// tab's sessionStorage only), pick or create a drop, watch it live, reset it.

import { useEffect, useRef, useState } from "preact/hooks";
import { ApiClient } from "../api/client.ts";
import { webSocketSource } from "../api/live.ts";
import { describeError } from "../api/outcomes.ts";
import { httpTransport } from "../api/transport.ts";
import { Layout, Notice, type NoticeValue } from "../components/Layout.tsx";
import { time } from "../lib/format.ts";
import { newIdempotencyKey } from "../lib/hooks.ts";
import { moveFocus } from "../lib/move-focus.ts";
import { AuditTrail } from "./AuditTrail.tsx";
import { CreateDrop } from "./CreateDrop.tsx";
import { DropFigures } from "./DropFigures.tsx";
import { EditDrop } from "./EditDrop.tsx";
import { LiveBadge } from "./LiveBadge.tsx";
import { ResetDialog } from "./ResetDialog.tsx";
import {
	doneText,
	type LostReset,
	lostReset,
	notDoneText,
	notYetText,
	outcomeUnknown,
	partialText,
	resetText,
	settleLostReset,
	unconfirmedText,
} from "./reset-outcome.ts";
import { useCatalogue } from "./useCatalogue.ts";
import { useDrop } from "./useDrop.ts";
import { useTrailPages } from "./useTrailPages.ts";

const TOKEN_KEY = "rg.admin.token";
const api = new ApiClient(httpTransport());
const liveSource = webSocketSource();

function readToken(): string | null {
	try {
		return sessionStorage.getItem(TOKEN_KEY);
	} catch {
		return null;
	}
}

function writeToken(token: string | null): void {
	try {
		if (token === null) sessionStorage.removeItem(TOKEN_KEY);
		else sessionStorage.setItem(TOKEN_KEY, token);
	} catch {
		// No storage: the token lives in memory until the tab closes.
	}
}

function TokenForm({ onToken, error }: { onToken(t: string): void; error: string | null }) {
	return (
		<section class="card" aria-labelledby="signin-title">
			<h1 id="signin-title" tabIndex={-1}>
				Operator console
			</h1>
			<form
				class="row"
				onSubmit={(e) => {
					e.preventDefault();
					const value = String(new FormData(e.currentTarget).get("token") ?? "").trim();
					if (value) onToken(value);
				}}
			>
				<label>
					Operator token{" "}
					<input type="password" name="token" autoComplete="current-password" required />
				</label>
				<button type="submit" class="primary">
					Sign in
				</button>
			</form>
			<p class="muted small">The ADMIN_TOKEN. It stays in this tab only (sessionStorage).</p>
			{/* A focus target, not a live region: it comes with the sign-in form, which replaced the
			    console, so focus must move anyway; a region mounted with its sentence may not be
			    announced, and focused as well it would be read twice (decision 140). */}
			{error && (
				<p class="notice notice-error" id="signin-error" tabIndex={-1}>
					{error}
				</p>
			)}
		</section>
	);
}

export function Console() {
	const [token, setToken] = useState<string | null>(readToken);
	const [tokenError, setTokenError] = useState<string | null>(null);
	const catalogue = useCatalogue(api, token !== null);
	const products = catalogue.products;
	const [sku, setSku] = useState<string | null>(() =>
		new URLSearchParams(location.search).get("sku"),
	);
	const [notice, setNoticeValue] = useState<NoticeValue | null>(null);
	const [resetting, setResetting] = useState(false);
	const [confirming, setConfirming] = useState(false);
	api.adminToken = token;

	// Keyboard focus follows every action to its outcome, never falling to <body>; an outcome a
	// live region says leaves it on the control (decision 140).
	const [focusTarget, setFocusTarget] = useState<{ id: string; n: number } | null>(null);
	const focusCount = useRef(0);
	const focusOn = (id: string) => setFocusTarget({ id, n: ++focusCount.current });
	useEffect(() => {
		if (focusTarget === null) return;
		moveFocus(focusTarget.id);
	}, [focusTarget]);
	/** A reset whose answer was lost, while the notice is still about it (src/web/console/reset-outcome.ts). */
	const [unsettled, setUnsettled] = useState<LostReset | null>(null);
	/** The create form's last notice: its next try clears it if it is still the one shown. */
	const createNotice = useRef<NoticeValue | null>(null);
	/**
	 * The edit form's last notice: its next save clears it if it is still the one shown, so a
	 * refusal under a field never stands beside "Saved" from the save before.
	 */
	const editNotice = useRef<NoticeValue | null>(null);
	/** An action's outcome, said by the notice's regions (already in the page), not focused. */
	const setNotice = (n: NoticeValue) => {
		setUnsettled(null);
		setNoticeValue(n);
	};

	// Without ?sku= the console opens on the newest drop (the catalogue lists newest first).
	const refreshProducts = async () => {
		const listed = await catalogue.refresh();
		if (listed !== null) setSku((s) => s ?? listed[0]?.sku ?? null);
	};
	useEffect(() => {
		if (token !== null) void refreshProducts();
	}, [token]);

	const view = useDrop(api, liveSource, token !== null ? sku : null);
	const trailPages = useTrailPages(api, token !== null ? sku : null);

	/**
	 * A split SKU's reset cut between its shards: the same key again finishes it (a repeat is not
	 * limited, and resets no shard twice: docs/api.md, Operator). One at a time; a lost answer
	 * again leaves it to the next read of the trail.
	 */
	const resending = useRef<string | null>(null);
	/** The key of the reset the notice is about, for an answer that lands after another action. */
	const unsettledKey = useRef<string | null>(null);
	useEffect(() => {
		unsettledKey.current = unsettled?.key ?? null;
	}, [unsettled]);
	const finishReset = async (lost: LostReset) => {
		resending.current = lost.key;
		const r = await api.resetProduct(lost.sku, lost.key);
		resending.current = null;
		if (unsettledKey.current !== lost.key) return;
		// As a settled verdict: the notice changes where it is, without taking the focus.
		if (r.ok) {
			setUnsettled(null);
			setNoticeValue({ tone: "success", text: resetText(lost.sku, r.data.availability) });
		} else if (!outcomeUnknown(r)) {
			setUnsettled(null);
			setNoticeValue({ tone: "error", text: `Reset of ${lost.sku} failed: ${describeError(r)}` });
		}
	};

	// Each read of the trail may settle a reset whose answer was lost. The notice changes where
	// it is, without taking the focus. "Not done" keeps watching: a reset the server was still
	// doing when the trail was read shows at the next read.
	useEffect(() => {
		if (unsettled === null || unsettled.sku !== sku) return;
		const verdict = settleLostReset(unsettled, view.trailReads);
		if (verdict.kind === "done") {
			setUnsettled(null);
			setNoticeValue({ tone: "success", text: doneText(unsettled.sku, verdict.event) });
		} else if (verdict.kind === "not_done") {
			setNoticeValue({ tone: "error", text: notDoneText(unsettled.sku, verdict.readStartedAtMs) });
		} else if (verdict.kind === "not_yet") {
			setNoticeValue({ tone: "info", text: notYetText(unsettled.sku, verdict.readStartedAtMs) });
		} else if (verdict.kind === "partial") {
			const { shardsDone, shards } = verdict;
			setNoticeValue({ tone: "info", text: partialText(unsettled.sku, shardsDone, shards) });
			if (resending.current !== unsettled.key) void finishReset(unsettled);
		}
	}, [unsettled, view.trailReads, sku]);

	// A refused token ends the sign-in, whichever call found out.
	useEffect(() => {
		if (view.error && (view.error.code === "unauthorized" || view.error.code === "forbidden")) {
			writeToken(null);
			setToken(null);
			setTokenError("That operator token was not accepted.");
			focusOn("signin-error");
		}
	}, [view.error]);

	const choose = (next: string) => {
		setSku(next);
		const url = new URL(location.href);
		url.searchParams.set("sku", next);
		history.replaceState(null, "", url);
	};

	const reset = async () => {
		// One reset per confirmation: a second click (a double click) while it runs sends nothing.
		if (sku === null || resetting) return;
		setConfirming(false);
		// The dialog closes: focus is back on Reset drop (aria-disabled while it runs), and the
		// notice says the outcome.
		focusOn("reset-drop");
		setResetting(true);
		const sentAtMs = Date.now();
		// Each click its own key: a lost answer is settled by this reset's own trail event.
		const key = newIdempotencyKey();
		const r = await api.resetProduct(sku, key);
		setResetting(false);
		if (r.ok) {
			setNotice({ tone: "success", text: resetText(sku, r.data.availability) });
		} else if (r.code === "rate_limited") {
			setNotice({
				tone: "error",
				text: `${sku} was not reset: resets are limited to one a minute. ${describeError(r)}`,
			});
		} else if (outcomeUnknown(r)) {
			setNotice({ tone: "info", text: unconfirmedText(sku, r) });
			// A split SKU's reset is done once every shard's is (settleLostReset).
			const shards = products.find((p) => p.sku === sku)?.shards ?? view.stats?.shards?.length;
			setUnsettled(lostReset(sku, key, sentAtMs, Date.now(), r, shards ?? 1));
		} else {
			// Named, as every notice here: the answer may land after another drop was picked.
			setNotice({ tone: "error", text: `Reset of ${sku} failed: ${describeError(r)}` });
		}
	};

	const statsProblem =
		view.error && view.error.code !== "unauthorized" && view.error.code !== "forbidden"
			? `Stats unavailable: ${describeError(view.error)}` +
				(view.retryAtMs !== null
					? ` Next try at ${time(new Date(view.retryAtMs).toISOString())}.`
					: "")
			: "";

	if (token === null) {
		return (
			<Layout current="/console">
				<TokenForm
					error={tokenError}
					onToken={(t) => {
						writeToken(t);
						setTokenError(null);
						setToken(t);
						focusOn("console-title");
					}}
				/>
			</Layout>
		);
	}

	return (
		<Layout current="/console">
			<section class="card" aria-labelledby="console-title">
				<h1 id="console-title" tabIndex={-1}>
					Operator console
				</h1>
				<div class="row">
					<label for="drop">Drop</label>
					<select
						id="drop"
						value={sku ?? ""}
						onChange={(e) => choose(e.currentTarget.value)}
						// Drops another operator created or renamed show when the picker is used.
						onFocus={() => void catalogue.freshen()}
					>
						{sku !== null && !products.some((p) => p.sku === sku) && (
							<option value={sku}>{sku}</option>
						)}
						{products.map((p) => (
							<option key={p.sku} value={p.sku}>
								{p.sku} — {p.name}
							</option>
						))}
					</select>
					{catalogue.olderAfter !== null && (
						<button
							type="button"
							aria-disabled={catalogue.loadingOlder ? "true" : undefined}
							// The picker is the outcome: focus moves there, as the button may be gone.
							onClick={() => void catalogue.loadOlder().then((read) => read && focusOn("drop"))}
						>
							{catalogue.loadingOlder ? "Listing older drops…" : "List older drops"}
						</button>
					)}
					<LiveBadge key={sku} state={view.live} />
					{sku !== null && (
						// The storefront takes its drop from `?sku=` (docs/ui.md): the page buyers see.
						<a href={`/?sku=${encodeURIComponent(sku)}`}>View in store</a>
					)}
					<button
						type="button"
						class="danger"
						id="reset-drop"
						// aria-disabled while the reset runs: focus stays here instead of falling to <body>.
						aria-disabled={resetting ? "true" : undefined}
						onClick={() => {
							if (!resetting) setConfirming(true);
						}}
						disabled={sku === null}
					>
						{resetting ? "Resetting…" : "Reset drop"}
					</button>
					<button
						type="button"
						onClick={() => {
							writeToken(null);
							setToken(null);
							focusOn("signin-title");
						}}
					>
						Sign out
					</button>
				</div>
				{/* Mounted empty while the stats are read, so its first sentence is announced. */}
				<p
					class={statsProblem ? "error small" : "notice-empty"}
					role="status"
					aria-label="Stats problem"
				>
					{statsProblem}
				</p>
			</section>
			{sku !== null && (
				<ResetDialog
					sku={sku}
					open={confirming}
					busy={resetting}
					onConfirm={() => void reset()}
					onCancel={() => {
						setConfirming(false);
						focusOn("reset-drop");
					}}
				/>
			)}
			<div class="notices">
				<Notice value={notice} label="Console status" />
			</div>
			{sku !== null && (
				// A new form for each drop: nothing typed or read for one is kept for the next.
				<EditDrop
					key={sku}
					api={api}
					sku={sku}
					counters={view.counters}
					onNotice={(n) => {
						editNotice.current = n;
						setNotice(n);
					}}
					onRetry={() => {
						const said = editNotice.current;
						if (said !== null) setNoticeValue((n) => (n === said ? null : n));
					}}
					onSaved={catalogue.remember}
				/>
			)}
			<DropFigures view={view} />
			<AuditTrail events={view.events} problem={view.trailProblem} pages={trailPages} />
			<CreateDrop
				api={api}
				onNotice={(n) => {
					createNotice.current = n;
					setNotice(n);
				}}
				// Only the form's own refusal goes: a notice of another action since then stays.
				onRetry={() => {
					const refused = createNotice.current;
					if (refused?.tone === "error") setNoticeValue((n) => (n === refused ? null : n));
				}}
				onCreated={(p) => {
					void refreshProducts();
					choose(p.sku);
				}}
			/>
		</Layout>
	);
}
