// How the console's drop picker merges a page of the catalogue into what it lists
// (src/web/console/useCatalogue.ts). Pure (no Preact, no DOM): unit-tested in
// test/unit/console-catalogue.test.ts.

import type { Product } from "../../shared/types.ts";

/** `older` appended to `listed`, a product already listed kept once (where it was). */
export function appendOlder(listed: readonly Product[], older: readonly Product[]): Product[] {
	const seen = new Set(listed.map((p) => p.sku));
	return [...listed, ...older.filter((p) => !seen.has(p.sku))];
}

/**
 * The newest page read again, merged into what is listed: the page's drops first, as the server
 * now describes them (a rename shows), then every listed drop the page no longer holds (pushed
 * to an older page by newer drops), so nothing listed disappears and "List older drops" still
 * continues after the last one listed.
 */
export function newestFirst(listed: readonly Product[], newest: readonly Product[]): Product[] {
	const fresh = new Set(newest.map((p) => p.sku));
	return [...newest, ...listed.filter((p) => !fresh.has(p.sku))];
}
