// Whether this page can make a notification at all, found without showing one. Chrome on Android
// has `Notification` and grants its permission, but makes notifications only through a service
// worker: `new Notification()` throws a TypeError there, whatever the permission
// ("Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead."). Elsewhere a
// notification made without the permission is not shown (the browser fires `error` on it), so
// the constructor is a safe probe only while the permission is not granted; once granted it
// would show. What was learned, by the probe or by a failure at the turn, is kept for this tab
// (sessionStorage), so a reload does not offer again what cannot come
// (docs/decisions/152-a-notification-the-browser-cannot-show.md).

import { load, save } from "../lib/stored.ts";

export const NO_PAGE_NOTIFICATIONS_KEY = "rg.buyer.notify.none";

/**
 * "none": no Notification here; "no-page": this browser makes none from a page (or one failed
 * here); "maybe": the page may make one (known only when it does, if already granted).
 */
export type PageNotifications = "none" | "no-page" | "maybe";

const isTrue = (v: unknown): v is true => v === true;

/** The page found it cannot make a notification: said, and kept for this tab. */
export function rememberNoPageNotifications(): void {
	save(NO_PAGE_NOTIFICATIONS_KEY, true);
}

/** The page's Notification as this module uses it (typed here: unit tests build without the DOM). */
interface PageNotification {
	readonly permission: string;
	new (title: string): { onerror: unknown; close(): void };
}

export function pageNotifications(): PageNotifications {
	const Made = (globalThis as { Notification?: PageNotification }).Notification;
	if (typeof Made !== "function") return "none";
	if (load(NO_PAGE_NOTIFICATIONS_KEY, isTrue)) return "no-page";
	// Granted, a made notification shows: nothing to probe without showing it.
	if (Made.permission === "granted") return "maybe";
	try {
		// Without the permission, a browser that makes page notifications shows nothing.
		const probe = new Made("");
		probe.onerror = null;
		probe.close();
	} catch (e) {
		if (e instanceof TypeError) {
			rememberNoPageNotifications();
			return "no-page";
		}
	}
	return "maybe";
}
