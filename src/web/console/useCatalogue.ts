// The console's list of drops for its picker: the catalogue's first page (the newest drops,
// docs/api.md "Catalogue and availability"), and older pages when the operator asks for them.
// A page is read whole before it shows, so the picker never lists half of one.
// Another operator's new drop or rename reaches this picker when the newest page is read again
// (`freshen`): when the picker takes focus and every CATALOGUE_POLL_MS, at most once every
// CATALOGUE_MIN_GAP_MS, so a busy keyboard or many open consoles never make a storm of reads.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Product } from "../../shared/types.ts";
import type { ApiClient } from "../api/client.ts";
import { appendOlder, newestFirst } from "./catalogue-merge.ts";

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
	/**
	 * Reads the newest page again, unless one was read under CATALOGUE_MIN_GAP_MS ago, and merges
	 * it in (newestFirst): new drops and renames show, older pages already listed stay.
	 */
	freshen(): Promise<void>;
}

/** How often an open console reads the newest page of drops again. */
export const CATALOGUE_POLL_MS = 30_000;
/** The least time between two reads of the newest page that no action of the operator asked for. */
export const CATALOGUE_MIN_GAP_MS = 2_000;

/** `active`: the operator is signed in (the newest page is read again only then). */
export function useCatalogue(api: ApiClient, active: boolean): Catalogue {
	const [products, setProducts] = useState<Product[]>([]);
	const [olderAfter, setOlderAfter] = useState<string | null>(null);
	const [loadingOlder, setLoadingOlder] = useState(false);
	/** When the newest page was last asked for (epoch ms). */
	const askedAtMs = useRef(0);
	const listedRef = useRef(products);
	listedRef.current = products;

	const refresh = async () => {
		askedAtMs.current = Date.now();
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

	const freshen = async () => {
		if (Date.now() - askedAtMs.current < CATALOGUE_MIN_GAP_MS) return;
		askedAtMs.current = Date.now();
		const r = await api.products();
		// A failed read changes nothing: the list stays as last read, the next trigger asks again.
		if (!r.ok) return;
		// Nothing listed yet (the sign-in's read failed): this is the first page, its cursor too.
		if (listedRef.current.length === 0) setOlderAfter(r.data.next ?? null);
		const newest = r.data.products;
		setProducts((listed) => newestFirst(listed, newest));
	};
	const freshenRef = useRef(freshen);
	freshenRef.current = freshen;

	useEffect(() => {
		if (!active) return;
		const timer = setInterval(() => {
			// A tab in the background is not looked at: it reads when it is shown and focused again.
			if (document.visibilityState === "visible") void freshenRef.current();
		}, CATALOGUE_POLL_MS);
		return () => clearInterval(timer);
	}, [active]);

	return { products, olderAfter, loadingOlder, refresh, loadOlder, remember, freshen };
}
