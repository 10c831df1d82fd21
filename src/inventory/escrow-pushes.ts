// What a split SKU's coordinator pushes to its other shards besides units
// (docs/decisions/020-escrow-shards.md): the product's settings (inventory/shard-settings.ts)
// and its resets (inventory/shard-resets.ts), each re-sent from the alarm until confirmed.
// inventory/escrow.ts extends it with the pool.

import { ShardChannel } from "./escrow-shard-channel.ts";
import type { KeyedReset } from "./reset-keys.ts";
import { owedReset, pushResets, type ResetsHost, resetsOwed } from "./shard-resets.ts";
import { bumpSettings, pushSettings, type SettingsHost } from "./shard-settings.ts";

export class EscrowPushes extends ShardChannel {
	/**
	 * Coordinator, in the transaction of its own product change: the other shards owe the new
	 * settings, and the alarm re-sends them if they are not confirmed (inventory/shard-settings.ts).
	 */
	settingsChanged(nowMs: number): void {
		bumpSettings(this.settingsHost(), nowMs);
	}

	/** Coordinator: the settings to every shard that has not confirmed them; the first failure, or null. */
	pushSettings(): Promise<unknown> {
		return pushSettings(this.settingsHost());
	}

	/**
	 * Coordinator, in the transaction of its own reset: every other shard owes it, and the alarm
	 * asks them again if they have not confirmed it (inventory/shard-resets.ts).
	 */
	resetMade(keyed: KeyedReset | null, nowMs: number): void {
		owedReset(this.resetsHost(), keyed, nowMs);
	}

	/** Coordinator: whether some shard has not confirmed the last reset (or reset `upTo`, if given). */
	resetOwed(upTo?: number): boolean {
		return resetsOwed(this.ledger, this.shards, upTo).length > 0;
	}

	/** Coordinator: the generation of the last reset (0 before the first). */
	resetGeneration(): number {
		return this.ledger.reset?.generation ?? 0;
	}

	/** Coordinator: the last reset to every shard that has not confirmed it; the first failure, or null. */
	pushResets(): Promise<unknown> {
		return pushResets(this.resetsHost());
	}

	private resetsHost(): ResetsHost {
		return this.settingsHost();
	}

	private settingsHost(): SettingsHost & ResetsHost {
		return {
			ledger: this.ledger,
			shards: this.shards,
			inventory: () => this.host.inventory(),
			peer: (index) => this.host.peer(index),
			save: () => this.save(),
			wake: (atMs) => this.host.wake(atMs),
		};
	}
}
