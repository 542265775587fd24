package io.c2cgateway.polling;

/**
 * How many pending pairings one replica should hold: about its share of the pending work (pending
 * over live replicas), claiming up to the share plus a margin and handing back above the share
 * plus twice the margin, so replicas near their share neither claim nor hand back (no ping-pong).
 * Never more than {@code maxHeld}, what one replica's concurrency can serve.
 */
record FairShare(long share, long ceiling, long handBackAbove) {

	static FairShare of(PollStore.Census census, PollingProperties properties) {
		if (!census.counted()) {
			// Alone: every pending pairing is this replica's, as many as it can serve.
			return new FairShare(properties.maxHeld(), properties.maxHeld(), properties.maxHeld());
		}
		long share = census.share();
		double margin = properties.shareMargin();
		long ceiling = Math.min(properties.maxHeld(), (long) Math.ceil(share * (1 + margin)) + 1);
		long handBackAbove = Math.min(properties.maxHeld(), (long) Math.ceil(share * (1 + 2 * margin)) + 2);
		return new FairShare(Math.min(share, properties.maxHeld()), ceiling, handBackAbove);
	}

	/** How many to hand back when holding {@code held}; zero within the margin. */
	long excess(int held) {
		return (held > this.handBackAbove) ? held - this.share : 0;
	}

	/** How many more may be claimed when holding {@code held}. */
	long budget(int held) {
		return Math.max(0, this.ceiling - held);
	}

}
