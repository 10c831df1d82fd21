// The public room trail shows only the keys each event type lists (src/domain/room-public-detail.ts):
// a session or anything else placed in an event's detail later stays out until listed on purpose.

import { describe, expect, it } from "vitest";
import { PUBLIC_ROOM_DETAIL, publicRoomDetail } from "../../src/domain/room-public-detail.ts";

describe("the room trail's public detail", () => {
	it("keeps the listed keys and drops any other", () => {
		const detail = {
			ticketId: "t-1",
			seq: 3,
			rank: 0,
			admittedUntil: "2026-11-30T15:00:00.000Z",
			sessionId: "s-secret",
			ip: "203.0.113.9",
		};
		expect(publicRoomDetail("queue.admitted", detail)).toEqual({
			ticketId: "t-1",
			seq: 3,
			rank: 0,
			admittedUntil: "2026-11-30T15:00:00.000Z",
		});
	});

	it("shows no detail for an event type it does not list", () => {
		expect(publicRoomDetail("queue.something_new", { sessionId: "s-secret" })).toBeUndefined();
		expect(publicRoomDetail("reservation.created", { sessionId: "s-secret" })).toBeUndefined();
	});

	it("lists no key that names a session, an address or a hold", () => {
		for (const keys of Object.values(PUBLIC_ROOM_DETAIL))
			for (const key of keys) expect(key).not.toMatch(/session|ip|address|hold|token/i);
	});
});
