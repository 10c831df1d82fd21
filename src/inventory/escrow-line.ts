// The reserve calls of one shard of a split SKU that wait for a grant before they join
// the group commit (inventory/escrow-shard.ts), in the order they came: the shard's free
// units go to the first ones, so a call that came later never takes the units a grant
// brought for an earlier one (docs/decisions/167-sold-out-means-none-anywhere.md).

/** One waiting call's place: the units its attempts may take. */
export interface Place {
	readonly units: number;
}

export class WaitingLine {
	private readonly places: Place[] = [];
	/** Units of every waiting call. */
	units = 0;

	get empty(): boolean {
		return this.places.length === 0;
	}

	join(units: number): Place {
		const place = { units };
		this.places.push(place);
		this.units += units;
		return place;
	}

	leave(place: Place): void {
		const at = this.places.indexOf(place);
		if (at < 0) return;
		this.places.splice(at, 1);
		this.units -= place.units;
	}

	/** Units of the waiting calls up to and including `place`. */
	upTo(place: Place): number {
		let units = 0;
		for (const p of this.places) {
			units += p.units;
			if (p === place) break;
		}
		return units;
	}
}
