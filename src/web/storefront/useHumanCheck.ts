// The human check at the storefront's door: the config it needs (read again by itself
// after a failure), the session its token buys, and the round that re-arms the widget
// after a refusal (a Turnstile token is single-use). Moved out of App.tsx unchanged.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Availability, UiConfig } from "../../shared/types.ts";
import type { ApiClient, ApiErr, Session } from "../api/client.ts";
import { describeError } from "../api/outcomes.ts";
import { readUntilOk } from "../api/read-until-ok.ts";
import type { FocusRequest } from "./focus.ts";
import type { HeldReservation } from "./HoldPanel.tsx";
import { refusedRenewalRetryMs } from "./session-renewal.ts";
import type { StoreNotice } from "./store-notice.ts";

export interface HumanCheckDeps {
	hold: HeldReservation | null;
	/**
	 * The token of this tab's session, live or ended within its grace: the check renews it, so
	 * its holds and waiting-room place stay this buyer's (docs/decisions/086-a-sessions-end-and-what-it-owns.md).
	 */
	renewToken: string | null;
	fail: (err: ApiErr) => void;
	/** The product has a waiting room: the next step is the queue, not Reserve. */
	hasRoom: boolean;
	/** `renewedFrom`: the token the check named as `renewToken` (useBuyerSession.ts). */
	setSession: (session: Session | null, renewedFrom?: string | null) => void;
	setNotice: (notice: StoreNotice | null) => void;
	setBusy: (busy: "verify" | null) => void;
	focusNext: (request: FocusRequest) => void;
	accept: (availability: Availability) => void;
}

export function useHumanCheck(
	api: ApiClient,
	sku: string,
	{
		hold,
		renewToken,
		fail,
		hasRoom,
		setSession,
		setNotice,
		setBusy,
		focusNext,
		accept,
	}: HumanCheckDeps,
) {
	const [config, setConfig] = useState<UiConfig | null>(null);
	// The human check needs the config: a failed read is tried again by itself
	// (src/web/api/read-until-ok.ts), saying why meanwhile, so no reload is needed.
	const [configProblem, setConfigProblem] = useState<string | null>(null);
	useEffect(
		() =>
			readUntilOk(() => api.config(), {
				ok: (r) => {
					setConfig(r.data);
					setConfigProblem(null);
				},
				failed: (r) => {
					setConfigProblem(describeError(r));
					return true;
				},
			}),
		[],
	);
	// A failed human check is offered again (a Turnstile token is single-use): at once, or
	// once the answer's Retry-After has passed. Each change re-arms the widget.
	const [checkRound, setCheckRound] = useState(0);

	// Stable for the page's life: the Turnstile widget renders again whenever its callback
	// changes, and this page re-renders several times a second (the countdowns).
	const latest = useRef({ hold, renewToken, fail, room: hasRoom });
	latest.current = { hold, renewToken, fail, room: hasRoom };
	const verify = useCallback(
		async (token: string) => {
			setBusy("verify");
			const renewing = latest.current.renewToken;
			const r = await api.createSession(token, renewing);
			setBusy(null);
			if (r.ok) {
				setSession(r.data, renewing);
				// Its next step is worded by the page from what it shows (verified-notice.ts).
				setNotice({ tone: "success", text: "You are verified.", verified: true });
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
				// bot signals see that this buyer looked before reserving. A new session in place of
				// the renewed one waits for another tab's newer token first (useBuyerSession.ts): the
				// read goes with the token the page holds, not one it may throw away.
				if (r.data.renewed !== false) api.token = r.data.token;
				void api.product(sku).then((p) => p.ok && accept(p.data.availability));
			} else {
				latest.current.fail(r);
				setTimeout(() => setCheckRound((n) => n + 1), (r.retryAfterSeconds ?? 0) * 1000);
			}
		},
		[sku, accept, focusNext],
	);

	/**
	 * The check run ahead of the live session's end (session-renewal.ts): the same session goes
	 * on, quietly — no notice, no focus moved, the buyer is doing something else. A refusal says
	 * nothing (the session is still live, and at its end the usual check comes back) and answers
	 * how long until the check is offered again: its Retry-After, never sooner than
	 * RENEW_REFUSED_FLOOR_MS (no loop of challenges and siteverify calls, in view or hidden). The
	 * renewal's card re-arms its own widget then (RenewPanel.tsx), not the sign-in check's round.
	 */
	const renew = useCallback(
		async (token: string): Promise<number | null> => {
			const renewing = latest.current.renewToken;
			const r = await api.createSession(token, renewing);
			if (!r.ok) return refusedRenewalRetryMs(r.retryAfterSeconds);
			setSession(r.data, renewing);
			// A new session in place of this one is kept only after a wait (useBuyerSession.ts);
			// meanwhile, and if another tab's newer token comes, the page's token stays its own.
			if (r.data.renewed !== false) api.token = r.data.token;
			return null;
		},
		[setSession],
	);

	return { config, configProblem, checkRound, verify, renew };
}
