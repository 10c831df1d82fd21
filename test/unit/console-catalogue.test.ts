// The console's drop picker merging the newest page read again (src/web/console/catalogue-merge.ts):
// new drops and renames show, drops already listed never disappear, none is listed twice.

import { describe, expect, it } from "vitest";
import type { Product } from "../../src/shared/types.ts";
import { appendOlder, newestFirst } from "../../src/web/console/catalogue-merge.ts";

const drop = (sku: string, name = sku): Product => ({ sku, name }) as Product;
const names = (ps: Product[]) => ps.map((p) => `${p.sku}:${p.name}`);

describe("newestFirst", () => {
	it("puts a drop created elsewhere on top and shows a rename, keeping the older pages listed", () => {
		const listed = appendOlder([drop("C"), drop("B")], [drop("A")]);
		expect(names(newestFirst(listed, [drop("D"), drop("C", "C renamed")]))).toEqual([
			"D:D",
			"C:C renamed",
			"B:B",
			"A:A",
		]);
	});

	it("is the page itself when nothing was listed", () => {
		expect(names(newestFirst([], [drop("B"), drop("A")]))).toEqual(["B:B", "A:A"]);
	});
});
