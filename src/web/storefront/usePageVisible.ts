// Whether this page is in view (the Page Visibility API), as state that follows it.

import { useEffect, useState } from "preact/hooks";

export function usePageVisible(): boolean {
	const [visible, setVisible] = useState(() => document.visibilityState === "visible");
	useEffect(() => {
		const changed = () => setVisible(document.visibilityState === "visible");
		document.addEventListener("visibilitychange", changed);
		return () => document.removeEventListener("visibilitychange", changed);
	}, []);
	return visible;
}
