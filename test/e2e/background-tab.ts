// A page put in the background as Chromium does it, for the storefront's browser tests: the Page
// Visibility API says hidden (document.visibilityState, a visibilitychange event) and
// requestAnimationFrame stops until the page is shown again, as a hidden page draws no frames.
// Headless Chromium under Playwright keeps every page visible and its timers unthrottled: here a
// hidden page's timers wake on whole seconds, as Chrome's do, and what Chrome does after five
// minutes hidden is counted instead of waited for: each timer's chain level, by the rule Chrome's
// throttling uses (a timer set from a timer's callback, or a repeat of
// setInterval, is one deeper than the task it was set from; any other task starts at 0). Chrome
// wakes a page hidden five minutes at most once a minute for timers at level 5 or deeper
// ("intensive wake-up throttling", Chrome 88 and later) and once a second for the rest.

import type { Page } from "playwright-core";

/** Chrome's intensive throttling applies to timers this deep in a chain. */
export const THROTTLED_CHAIN_LEVEL = 5;

const SCRIPT = `(() => {
	const w = window;
	let level = 0;
	const run = (at, fn, args) => {
		const before = level;
		level = at;
		try {
			if (typeof fn === "function") fn(...args);
		} finally {
			// The task's microtasks ran with the callback's level; the next task starts at 0.
			queueMicrotask(() => queueMicrotask(() => { level = before; }));
		}
	};
	const setTimeout0 = w.setTimeout.bind(w);
	const clearTimeout0 = w.clearTimeout.bind(w);
	// A hidden page's timers with a non-zero timeout run on wake-ups aligned to whole seconds.
	const wait = (ms) => {
		const delay = Math.max(0, Number(ms) || 0);
		if (delay === 0 || document.visibilityState !== "hidden") return delay;
		const now = Date.now();
		return Math.ceil((now + delay) / 1000) * 1000 - now;
	};
	w.setTimeout = (fn, ms, ...args) => {
		const at = level + 1;
		return setTimeout0(() => run(at, fn, args), wait(ms));
	};
	// setInterval as a chain of timeouts (each repeat one deeper), so that it is aligned too.
	const intervals = new Map();
	let nextInterval = -1;
	w.setInterval = (fn, ms, ...args) => {
		const id = nextInterval--;
		let at = level;
		const arm = () => intervals.set(id, setTimeout0(() => {
			at += 1;
			run(at, fn, args);
			if (intervals.has(id)) arm();
		}, wait(ms)));
		arm();
		return id;
	};
	w.clearTimeout = w.clearInterval = (id) => {
		if (intervals.has(id)) {
			clearTimeout0(intervals.get(id));
			intervals.delete(id);
		} else clearTimeout0(id);
	};
	// Reads of a waiting-room ticket: when, and how deep in a timer chain the task that sent it.
	w.ticketReads = [];
	const fetch0 = w.fetch.bind(w);
	w.fetch = (input, init) => {
		const url = typeof input === "string" ? input : input.url;
		const method = (init && init.method) || "GET";
		let read = null;
		if (method === "GET" && /\\/api\\/products\\/[^/]+\\/queue$/.test(url)) {
			read = { atMs: Date.now(), level, hidden: document.visibilityState === "hidden", answered: false };
			w.ticketReads.push(read);
		}
		return fetch0(input, init).then((r) => { level = 0; if (read) read.answered = true; return r; });
	};
	// A body read ends in a task of its own too (the answer's text, which the page awaits).
	const text0 = Response.prototype.text;
	Response.prototype.text = function () {
		return text0.call(this).then((v) => { level = 0; return v; });
	};
	// The tab's title as the page sets it: what, and how deep in a timer chain the task that set it.
	w.titleSets = [];
	const title = Object.getOwnPropertyDescriptor(Document.prototype, "title");
	Object.defineProperty(Document.prototype, "title", {
		configurable: true,
		get() { return title.get.call(this); },
		set(value) {
			w.titleSets.push({ title: String(value), level, hidden: document.visibilityState === "hidden" });
			title.set.call(this, value);
		},
	});
	const raf0 = w.requestAnimationFrame.bind(w);
	let held = [];
	w.requestAnimationFrame = (cb) => {
		if (document.visibilityState !== "hidden") return raf0(cb);
		held.push(cb);
		return -held.length;
	};
	const cancelRaf0 = w.cancelAnimationFrame.bind(w);
	w.cancelAnimationFrame = (id) => {
		if (id < 0) held[-id - 1] = null;
		else cancelRaf0(id);
	};
	w.hidePage = () => {
		Object.defineProperty(document, "visibilityState", { configurable: true, value: "hidden" });
		Object.defineProperty(document, "hidden", { configurable: true, value: true });
		document.dispatchEvent(new Event("visibilitychange"));
	};
	w.showPage = () => {
		delete document.visibilityState;
		delete document.hidden;
		document.dispatchEvent(new Event("visibilitychange"));
		const due = held;
		held = [];
		for (const cb of due) if (cb !== null) raf0(cb);
	};
})();`;

/** Installs the background-tab emulation and the timer-chain count; call before the page loads. */
export async function emulateBackgroundTabs(page: Page): Promise<void> {
	await page.addInitScript(SCRIPT);
}

export const hidePage = (page: Page) =>
	page.evaluate(() => (window as unknown as { hidePage(): void }).hidePage());
export const showPage = (page: Page) =>
	page.evaluate(() => (window as unknown as { showPage(): void }).showPage());

export interface TicketRead {
	atMs: number;
	/** The timer-chain level of the task that sent it (0: not a timer's). */
	level: number;
	hidden: boolean;
	/** Its answer has come: the server decided it (sent is not enough, it may still be on its way). */
	answered: boolean;
}

export const ticketReads = (page: Page) =>
	page.evaluate(() => (window as unknown as { ticketReads: TicketRead[] }).ticketReads);

export interface TitleSet {
	title: string;
	/** The timer-chain level of the task that set it (0: not a timer's). */
	level: number;
	hidden: boolean;
}

export const titleSets = (page: Page) =>
	page.evaluate(() => (window as unknown as { titleSets: TitleSet[] }).titleSets);
