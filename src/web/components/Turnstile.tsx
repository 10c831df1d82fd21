// The bot check at the door (docs/decisions/011-turnstile-offline.md). In production the real Turnstile widget
// renders with the site key from /api/config. Offline local runs cannot load its
// script, so when config.localTurnstile is on, the page offers a local check that
// sends Turnstile's documented dummy token — which only the local siteverify
// emulation accepts (the Worker's ENVIRONMENT=local). No secret reaches the page.

import { useEffect, useRef, useState } from "preact/hooks";
import { TURNSTILE_DUMMY_TOKEN } from "../../shared/turnstile.ts";

const SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";
/** How long to wait for the script before deciding it cannot load. */
const SCRIPT_TIMEOUT_MS = 4_000;

interface TurnstileApi {
	render(el: HTMLElement, options: Record<string, unknown>): string;
	reset(id: string): void;
	remove(id: string): void;
}

let loading: Promise<TurnstileApi> | null = null;

function loadScript(): Promise<TurnstileApi> {
	const existing = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
	if (existing) return Promise.resolve(existing);
	loading ??= new Promise<TurnstileApi>((resolve, reject) => {
		const script = document.createElement("script");
		const timer = setTimeout(() => reject(new Error("timeout")), SCRIPT_TIMEOUT_MS);
		script.src = SCRIPT_URL;
		script.async = true;
		script.onload = () => {
			clearTimeout(timer);
			const api = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
			if (api) resolve(api);
			else reject(new Error("no turnstile global"));
		};
		script.onerror = () => {
			clearTimeout(timer);
			reject(new Error("script failed"));
		};
		document.head.append(script);
	}).catch((error: unknown) => {
		loading = null;
		throw error;
	});
	return loading;
}

export interface TurnstileProps {
	siteKey: string;
	/** The server emulates siteverify (ENVIRONMENT=local): a local check may stand in. */
	local: boolean;
	/** Mock mode: no script at all, the simulated check only. */
	simulated?: boolean;
	/**
	 * Raised by the page to offer the check again (its token was refused, or the session
	 * could not be made): a token is single-use, so the widget is reset and the local
	 * check unticked. The first value arms nothing.
	 */
	round?: number;
	onToken(token: string): void;
	/**
	 * Whether the check waits for a click: the widget asked for one (Turnstile's
	 * before-interactive-callback, until its after-interactive-callback), or the local check is
	 * unticked. False again when the check goes.
	 */
	onAsking?(asking: boolean): void;
}

type State = "loading" | "widget" | "local" | "failed";

export function Turnstile({
	siteKey,
	local,
	simulated = false,
	round = 0,
	onToken,
	onAsking,
}: TurnstileProps) {
	const [state, setState] = useState<State>(simulated ? "local" : "loading");
	const [checked, setChecked] = useState(false);
	const box = useRef<HTMLDivElement>(null);
	const widget = useRef<string | null>(null);
	const armedRound = useRef(round);
	// The latest callback, read when the widget answers: a parent that re-renders
	// (a countdown, every second) hands a new function each time, and the widget
	// must not be removed and rendered again for that — it would restart the challenge.
	const latestOnToken = useRef(onToken);
	latestOnToken.current = onToken;
	const latestOnAsking = useRef(onAsking);
	latestOnAsking.current = onAsking;

	useEffect(() => {
		// Switched to mock while the script was loading: that load's answer is ignored
		// (cancelled below), so the simulated check must be put up here.
		if (simulated) {
			setState("local");
			return;
		}
		let widgetId: string | null = null;
		let cancelled = false;
		loadScript().then(
			(api) => {
				if (cancelled || box.current === null) return;
				setState("widget");
				widgetId = api.render(box.current, {
					sitekey: siteKey,
					theme: "light",
					callback: (token: string) => latestOnToken.current(token),
					"before-interactive-callback": () => latestOnAsking.current?.(true),
					"after-interactive-callback": () => latestOnAsking.current?.(false),
				});
				widget.current = widgetId;
			},
			() => {
				if (!cancelled) setState(local ? "local" : "failed");
			},
		);
		return () => {
			cancelled = true;
			const api = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
			if (widgetId !== null) api?.remove(widgetId);
			widget.current = null;
		};
	}, [siteKey, local, simulated]);

	useEffect(() => {
		if (state === "local") latestOnAsking.current?.(!checked);
	}, [state, checked]);
	useEffect(() => () => latestOnAsking.current?.(false), []);

	useEffect(() => {
		if (round === armedRound.current) return;
		armedRound.current = round;
		setChecked(false);
		const api = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
		if (widget.current !== null) api?.reset(widget.current);
	}, [round]);

	return (
		<div class="turnstile">
			<div ref={box} />
			{state === "loading" && <p class="muted">Loading the human check…</p>}
			{state === "local" && (
				<div class="local-check">
					<label>
						<input
							type="checkbox"
							checked={checked}
							disabled={checked}
							onChange={() => {
								setChecked(true);
								onToken(TURNSTILE_DUMMY_TOKEN);
							}}
						/>{" "}
						I am human
					</label>
					<p class="muted small">
						{simulated
							? "Mock mode: a simulated Turnstile check."
							: "Local test mode: Turnstile could not load here, so this sends Turnstile's test token, which only a local server accepts."}
					</p>
				</div>
			)}
			{state === "failed" && (
				<p role="alert" class="error">
					The human check could not load. Check your connection and reload the page.
				</p>
			)}
		</div>
	);
}
