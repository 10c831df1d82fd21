// The console's modal dialog (src/web/console/modal.ts): opened and closed with its owner's
// state, Escape handed to the owner instead of closing the dialog behind its back.

import { describe, expect, it } from "vitest";
import { cancelTo, type ModalElement, syncModal } from "../../src/web/console/modal.ts";

function fakeDialog(): ModalElement & { calls: string[] } {
	const calls: string[] = [];
	let open = false;
	return {
		calls,
		get open() {
			return open;
		},
		showModal() {
			calls.push("showModal");
			open = true;
		},
		close() {
			calls.push("close");
			open = false;
		},
	};
}

describe("syncModal", () => {
	it("shows a closed dialog once when asked, and closes it once when no longer asked", () => {
		const el = fakeDialog();
		expect(syncModal(el, true)).toBe("opened");
		expect(syncModal(el, true)).toBeNull();
		expect(syncModal(el, false)).toBe("closed");
		expect(syncModal(el, false)).toBeNull();
		expect(el.calls).toEqual(["showModal", "close"]);
	});

	it("does nothing before the dialog is mounted", () => {
		expect(syncModal(null, true)).toBeNull();
	});
});

describe("cancelTo", () => {
	it("keeps Escape from closing the dialog and tells the owner instead", () => {
		let prevented = 0;
		let cancelled = 0;
		cancelTo(() => {
			cancelled += 1;
		})({
			preventDefault() {
				prevented += 1;
			},
		});
		expect([prevented, cancelled]).toEqual([1, 1]);
	});
});
