// The audit trail's older pages: the table shows either the newest events, followed live
// (useDrop, src/web/console/trail.ts), or one older page the operator paged to, which stays as
// read. Each page is read by the API's cursors (docs/api.md, "Following the audit trail"):
// older is the page before the bottom row's cursor (`tail` + `before`), newer the page after the
// top row's (`after` + `limit`); a newer page that reaches the trail's end is the live view again.
// Bounded: one page of OLDER_PAGE rows at a time, however long the trail.
//
// A page belongs to the drop it was read for: an answer that lands after the operator picked
// another drop is dropped, and a page is never shown under another drop's name
// (docs/decisions/101-console-answers-belong-to-their-drop.md).

import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEvent } from "../../shared/types.ts";
import type { ApiClient, ApiErr } from "../api/client.ts";
import { AUDIT_ROWS } from "./trail.ts";

/** Events per older page (the API allows 1..1000). */
export const OLDER_PAGE = AUDIT_ROWS;

/** One older page, newest first. */
export interface OlderPage {
	rows: AuditEvent[];
}

/** A page as kept: with the drop it was read for. */
interface KeptPage extends OlderPage {
	sku: string;
}

export interface TrailPages {
	/** The older page shown; null while the table shows the newest events (live). */
	page: OlderPage | null;
	reading: boolean;
	/** The cursor of the trail's first event, once a read has reached it; null until then. */
	firstCursor: string | null;
	/** Why the last paging did nothing (a failed read, no older events); null otherwise. */
	note: { tone: "info" | "error"; text: string; error?: ApiErr } | null;
	/** The page before `bottom` (the lowest row shown); false when its answer was dropped. */
	older(bottom: AuditEvent): Promise<boolean>;
	/** The page after the top row of the older page shown, or the live view when that is the end. */
	newer(): Promise<boolean>;
	/** Back to the newest events, followed live. */
	live(): void;
}

export function useTrailPages(api: ApiClient, sku: string | null): TrailPages {
	const [kept, setPage] = useState<KeptPage | null>(null);
	const [reading, setReading] = useState(false);
	const [note, setNote] = useState<TrailPages["note"]>(null);
	const [firstCursor, setFirstCursor] = useState<string | null>(null);
	// Which pick of a drop is shown (a new one each time another drop is picked, so a read made
	// before picking B and back A is not taken for A's current view either).
	const picked = useRef({ sku, pick: 0 });
	if (picked.current.sku !== sku) picked.current = { sku, pick: picked.current.pick + 1 };
	// Between the render that picks another drop and the effect below, the old page is not shown.
	const page = kept !== null && kept.sku === sku ? kept : null;

	useEffect(() => {
		setPage(null);
		setFirstCursor(null);
		setReading(false);
		setNote(null);
	}, [sku]);

	const failed = (error: ApiErr) => {
		setNote({ tone: "error", text: "Could not read that page of the trail.", error });
		return true;
	};

	const older = async (bottom: AuditEvent) => {
		if (sku === null || reading || bottom.cursor === undefined) return false;
		setReading(true);
		setNote(null);
		const asked = sku;
		const pick = picked.current.pick;
		const r = await api.eventsBefore(asked, bottom.cursor, OLDER_PAGE);
		// Another drop was picked meanwhile: this answer is not about the drop shown.
		if (picked.current.pick !== pick) return false;
		setReading(false);
		if (!r.ok) return failed(r);
		const got = r.data.events;
		if (got.length === 0) {
			setFirstCursor(bottom.cursor);
			setNote({ tone: "info", text: "No older events: the trail starts with the last row." });
			return true;
		}
		// Fewer than asked: the page begins the trail.
		if (got.length < OLDER_PAGE) setFirstCursor(got[0]?.cursor ?? null);
		setPage({ sku: asked, rows: got.slice().reverse() });
		return true;
	};

	const newer = async () => {
		const top = page?.rows[0];
		if (sku === null || reading || top?.cursor === undefined) return false;
		setReading(true);
		setNote(null);
		const asked = sku;
		const pick = picked.current.pick;
		const r = await api.events(asked, top.cursor, OLDER_PAGE);
		if (picked.current.pick !== pick) return false;
		setReading(false);
		if (!r.ok) return failed(r);
		// Fewer than a page: these reach the trail's end, which the live view shows.
		if (r.data.events.length < OLDER_PAGE) setPage(null);
		else setPage({ sku: asked, rows: r.data.events.slice().reverse() });
		return true;
	};

	const live = () => {
		setPage(null);
		setNote(null);
	};

	return { page, reading, firstCursor, note, older, newer, live };
}
