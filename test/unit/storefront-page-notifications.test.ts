// Whether the page can make a notification, found without showing one
// (src/web/storefront/page-notifications.ts; docs/decisions/152-a-notification-the-browser-cannot-show.md).

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
	NO_PAGE_NOTIFICATIONS_KEY,
	pageNotifications,
	rememberNoPageNotifications,
} from "../../src/web/storefront/page-notifications.ts";

/** A Notification whose constructor does what `make` says, counting the constructions. */
function stubNotification(permission: "default" | "denied" | "granted", make: "throws" | "makes") {
	const made = { count: 0, closed: 0 };
	class Stub {
		static permission = permission;
		onerror: unknown = () => {};
		constructor() {
			made.count += 1;
			if (make === "throws") throw new TypeError("Illegal constructor.");
		}
		close() {
			made.closed += 1;
		}
	}
	vi.stubGlobal("Notification", Stub);
	return made;
}

describe("pageNotifications", () => {
	beforeEach(() => {
		const kept = new Map<string, string>();
		vi.stubGlobal("sessionStorage", {
			getItem: (k: string) => kept.get(k) ?? null,
			setItem: (k: string, v: string) => kept.set(k, v),
			removeItem: (k: string) => kept.delete(k),
		});
	});
	afterEach(() => vi.unstubAllGlobals());

	it("is none without Notification", () => {
		vi.stubGlobal("Notification", undefined);
		expect(pageNotifications()).toBe("none");
	});

	it("finds a constructor that throws a TypeError before the permission, and keeps it", () => {
		const made = stubNotification("default", "throws");
		expect(pageNotifications()).toBe("no-page");
		expect(sessionStorage.getItem(NO_PAGE_NOTIFICATIONS_KEY)).toBe("true");
		// Kept: no second probe.
		expect(pageNotifications()).toBe("no-page");
		expect(made.count).toBe(1);
	});

	it("probes a denied permission too, and closes what a desktop made (not shown)", () => {
		const made = stubNotification("denied", "makes");
		expect(pageNotifications()).toBe("maybe");
		expect(made).toEqual({ count: 1, closed: 1 });
	});

	it("never makes one once granted: it would show", () => {
		const made = stubNotification("granted", "throws");
		expect(pageNotifications()).toBe("maybe");
		expect(made.count).toBe(0);
	});

	it("a failure remembered at the turn is kept for the tab, granted or not", () => {
		const made = stubNotification("granted", "makes");
		rememberNoPageNotifications();
		expect(pageNotifications()).toBe("no-page");
		expect(made.count).toBe(0);
	});
});
