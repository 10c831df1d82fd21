// Turnstile's script cannot be fetched from here (loopback only): a stand-in with
// the same explicit-render API (turnstile.render with a callback) takes its place
// and hands over the dummy token, as Turnstile's test site key does. It counts how
// often the page renders, resets and removes the widget (window.turnstileCalls).

import type { BrowserContext, Page } from "playwright-core";

const SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js*";

const STAND_IN = `
window.turnstileCalls = { renders: 0, resets: 0, removes: 0 };
window.turnstile = {
	render(el, options) {
		window.turnstileCalls.renders += 1;
		if (options.sitekey !== "1x00000000000000000000AA") throw new Error("unexpected site key " + options.sitekey);
		const b = document.createElement("button");
		b.type = "button";
		b.textContent = "Verify (stand-in widget)";
		b.onclick = () => {
			if (options["after-interactive-callback"]) options["after-interactive-callback"]();
			options.callback("XXXX.DUMMY.TOKEN.XXXX");
		};
		el.append(b);
		// Managed mode passing without a click, as Turnstile mostly does for a person; else it asks
		// for one (its before-interactive-callback, then after-interactive-callback at the click).
		if (window.turnstileWithoutClick === true) setTimeout(() => options.callback("XXXX.DUMMY.TOKEN.XXXX"), 50);
		else if (options["before-interactive-callback"]) setTimeout(() => options["before-interactive-callback"](), 50);
		const id = "w" + window.turnstileCalls.renders;
		window.turnstileCallbacks = { ...window.turnstileCallbacks, [id]: options.callback };
		return id;
	},
	reset(id) {
		window.turnstileCalls.resets += 1;
		// Opt-in: a reset runs the challenge again and, passing without a click, answers again, as
		// Turnstile's does (off by default: the other tests count on a reset alone answering nothing).
		const again = window.turnstileCallbacks?.[id];
		if (window.turnstileResetAnswers === true && window.turnstileWithoutClick === true && again)
			setTimeout(() => again("XXXX.DUMMY.TOKEN.XXXX"), 50);
	},
	remove() {
		window.turnstileCalls.removes += 1;
	},
};
`;

/**
 * Pages of `context` load the stand-in instead of Turnstile's script. `withoutClick`: the widget
 * answers by itself once rendered (Turnstile's managed mode passing a person without a click);
 * `resetAnswers`: with it, a reset answers again too, as Turnstile's does.
 */
export async function standInTurnstile(
	context: BrowserContext,
	{
		withoutClick = false,
		resetAnswers = false,
	}: { withoutClick?: boolean; resetAnswers?: boolean } = {},
): Promise<void> {
	const flags = `${withoutClick ? "window.turnstileWithoutClick = true;\n" : ""}${resetAnswers ? "window.turnstileResetAnswers = true;\n" : ""}`;
	const body = `${flags}${STAND_IN}`;
	await context.route(SCRIPT_URL, (route) =>
		route.fulfill({ contentType: "text/javascript", body }),
	);
}

export interface TurnstileCalls {
	renders: number;
	resets: number;
	removes: number;
}

/** How often the page rendered, reset and removed the stand-in widget so far. */
export function turnstileCalls(page: Page): Promise<TurnstileCalls> {
	return page.evaluate(
		() => (window as unknown as { turnstileCalls: TurnstileCalls }).turnstileCalls,
	);
}
