// The frame every page shares: a skip link, the site header with navigation, main.

import type { ComponentChildren } from "preact";

const PAGES = [
	{ href: "/", label: "Store" },
	{ href: "/console", label: "Console" },
	{ href: "/demo", label: "Demo" },
] as const;

export function Layout({
	current,
	children,
}: {
	current: "/" | "/console" | "/demo";
	children: ComponentChildren;
}) {
	return (
		<>
			<a class="skip" href="#main">
				Skip to content
			</a>
			<header class="site">
				<span class="brand">Revenue Guard</span>
				<nav aria-label="Pages">
					{PAGES.map((p) => (
						<a key={p.href} href={p.href} aria-current={p.href === current ? "page" : undefined}>
							{p.label}
						</a>
					))}
				</nav>
			</header>
			<main id="main">{children}</main>
		</>
	);
}

export type Tone = "info" | "success" | "error";
export interface NoticeValue {
	tone: Tone;
	text: string;
}

/**
 * An outcome for people and screen readers. Both live regions stay mounted and
 * only their text changes, which assistive technology announces reliably:
 * errors go to the assertive alert region, the rest to the polite status one.
 */
export function Notice({ value, label }: { value: NoticeValue | null; label: string }) {
	const isError = value?.tone === "error";
	return (
		<div class="notices">
			<p
				role="status"
				aria-label={label}
				class={value && !isError ? `notice notice-${value.tone}` : "notice-empty"}
			>
				{value && !isError ? value.text : ""}
			</p>
			<p
				role="alert"
				aria-label={`${label}: problem`}
				class={isError ? "notice notice-error" : "notice-empty"}
			>
				{isError ? value.text : ""}
			</p>
		</div>
	);
}
