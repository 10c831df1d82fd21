// sessionStorage, typed and forgiving: a full or disabled storage (private mode)
// must not break a page, it only loses what a reload would have kept.

export function load<T>(key: string, valid: (v: unknown) => v is T): T | null {
	try {
		const raw = sessionStorage.getItem(key);
		if (raw === null) return null;
		const value: unknown = JSON.parse(raw);
		return valid(value) ? value : null;
	} catch {
		return null;
	}
}

export function save(key: string, value: unknown): void {
	try {
		if (value === null || value === undefined) sessionStorage.removeItem(key);
		else sessionStorage.setItem(key, JSON.stringify(value));
	} catch {
		// Storage unavailable: the page still works, a reload starts over.
	}
}

export function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null;
}
