// What the browser tests of "one announcement per outcome" share (docs/ui.md, "Said once";
// docs/decisions/140-one-announcement-per-outcome.md): a recorder, installed before the page's
// own scripts, of the two ways an outcome is said twice or not reliably at all —
//
// - **created**: a live region that came into the page already holding its text (a screen reader
//   may not announce a region's first sentence; it announces a change of a region it knows);
// - **focused**: focus moved onto a live region, into one, or onto an element holding one that
//   says something (the region announces its text and the focus reads it again).
//
// Only what happens after `arm(page)` counts: a page's first render mounts regions with their
// standing text (step 3's "Not run yet."), which is no outcome.

import type { Page } from "playwright-core";

export interface SaidTwice {
	/** Live regions that appeared holding their text. */
	created: { label: string; role: string; text: string }[];
	/** Elements focused while they were, were inside or held a live region with text. */
	focused: { focused: string; region: string; text: string }[];
	/** Every new text a live region took (what a screen reader queues), for counting. */
	spoken: { label: string; role: string; text: string }[];
}

/** Installed with `page.addInitScript(recordSaidTwice)`, before the page's scripts. */
export function recordSaidTwice(): void {
	const LIVE =
		'[role="status"],[role="alert"],[role="log"],[aria-live="polite"],[aria-live="assertive"]';
	const w = window as unknown as {
		__saidTwice: SaidTwice;
		__saidArmed: boolean;
		__saidScan(): void;
	};
	w.__saidTwice = { created: [], focused: [], spoken: [] };
	w.__saidArmed = false;
	const known = new WeakMap<Element, string>();
	const textOf = (el: Element) => (el.textContent ?? "").replace(/\s+/g, " ").trim();
	const scan = () => {
		for (const el of Array.from(document.querySelectorAll(LIVE))) {
			const text = textOf(el);
			const before = known.get(el);
			if (before === text) continue;
			known.set(el, text);
			if (!w.__saidArmed || text === "") continue;
			const said = {
				label: el.getAttribute("aria-label") ?? "",
				role: el.getAttribute("role") ?? el.getAttribute("aria-live") ?? "",
				text,
			};
			w.__saidTwice.spoken.push(said);
			if (before === undefined) w.__saidTwice.created.push(said);
		}
	};
	w.__saidScan = scan;
	new MutationObserver(scan).observe(document, {
		subtree: true,
		childList: true,
		characterData: true,
	});
	document.addEventListener(
		"focusin",
		(e) => {
			if (!w.__saidArmed || !(e.target instanceof Element)) return;
			const el = e.target;
			const around = el.closest(LIVE);
			const inside = Array.from(el.querySelectorAll(LIVE)).find((r) => textOf(r) !== "");
			const region = around ?? inside;
			if (region)
				w.__saidTwice.focused.push({
					focused: el.id || el.tagName,
					region: region.getAttribute("aria-label") ?? region.tagName,
					text: textOf(region),
				});
		},
		true,
	);
}

/** From now on, regions appearing with their text and focus on a live region are recorded. */
export async function arm(page: Page): Promise<void> {
	await page.evaluate(() => {
		const w = window as unknown as { __saidScan(): void; __saidArmed: boolean };
		// Every region in the page now is known (the observer's last batch may not have run yet).
		w.__saidScan();
		w.__saidArmed = true;
	});
}

/** Live regions created with their text and focus on live regions since `arm` (or the last call), emptied. */
export const saidTwice = (page: Page): Promise<Omit<SaidTwice, "spoken">> =>
	page.evaluate(() => {
		const w = window as unknown as { __saidTwice: SaidTwice };
		const { created, focused } = w.__saidTwice;
		w.__saidTwice = { ...w.__saidTwice, created: [], focused: [] };
		return { created, focused };
	});

/** Every new text of a live region since `arm` (or the last call), emptied. */
export const spoken = (page: Page): Promise<SaidTwice["spoken"]> =>
	page.evaluate(() => {
		const w = window as unknown as { __saidTwice: SaidTwice };
		return w.__saidTwice.spoken.splice(0);
	});

/** Where focus is: an element's id, a button's own name, or its tag. */
export const focusedName = (page: Page): Promise<string> =>
	page.evaluate(() => {
		const el = document.activeElement;
		return (
			el?.id || (el?.tagName === "BUTTON" ? (el.textContent?.trim() ?? "") : (el?.tagName ?? ""))
		);
	});
