// The console's list of drops for its picker: the catalogue's first page (the newest drops,
// docs/api.md "Catalogue and availability"), and older pages when the operator asks for them.
// A page is read whole before it shows, so the picker never lists half of one.

import { useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";

export interface Catalogue {
	products: Product[];
	/** The cursor of the older drops not listed yet; null when every drop is listed. */
	olderAfter: string | null;
	loadingOlder: boolean;
	/** Reads the first page again (after a create, at sign-in); its products replace the list. */
	refresh(): Promise<Product[] | null>;
	/** Adds the next page of older drops; false when nothing was read (none left, already reading, refused). */
	loadOlder(): Promise<boolean>;
	/**
	 * A product as this console just saved it, in place of its listed copy: the catalogue learns a
	 * new name through the object's outbox, so a read right after the save may still be the old one.
	 */
	remember(product: Product): void;
}

/** `older` appended to `listed`, a product already listed kept once (where it was). */
export function appendOlder(listed: readonly Product[], older: readonly Product[]): Product[] {
	const seen = new Set(listed.map((p) => p.sku));
	return [...listed, ...older.filter((p) => !seen.has(p.sku))];
}

export function useCatalogue(api: ApiClient): Catalogue {
	const [products, setProducts] = useState<Product[]>([]);
	const [olderAfter, setOlderAfter] = useState<string | null>(null);
	const [loadingOlder, setLoadingOlder] = useState(false);

	const refresh = async () => {
		const r = await api.products();
		if (!r.ok) return null;
		setProducts(r.data.products);
		setOlderAfter(r.data.next ?? null);
		return r.data.products;
	};

	const loadOlder = async () => {
		if (olderAfter === null || loadingOlder) return false;
		setLoadingOlder(true);
		const r = await api.products(olderAfter);
		setLoadingOlder(false);
		if (!r.ok) return false;
		setProducts((listed) => appendOlder(listed, r.data.products));
		setOlderAfter(r.data.next ?? null);
		return true;
	};

	const remember = (product: Product) =>
		setProducts((listed) => listed.map((p) => (p.sku === product.sku ? product : p)));

	return { products, olderAfter, loadingOlder, refresh, loadOlder, remember };
}
