package io.c2cgateway.device;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Keeps idle devices paired: Frame.io's refresh tokens die 14 days after issue, so devices whose
 * token is older than {@code keep-alive-after} are refreshed; where the token answer stated a
 * shorter life, already once half of it has passed. Due devices are leased in one
 * {@code SKIP LOCKED} statement, with the same lease the access-token path takes, and refreshed
 * through the same single-flight path: one replica does each device, once.
 */
class KeepAlive {

	private static final int MAX_ROUNDS = 100;

	private final String instanceId;

	private final DeviceStore store;

	private final TokenRefresher refresher;

	private final Clock clock;

	private final TokenProperties properties;

	private final Parallel parallel;

	KeepAlive(String instanceId, DeviceStore store, TokenRefresher refresher, Clock clock, TokenProperties properties,
			Parallel parallel) {
		this.instanceId = instanceId;
		this.parallel = parallel;
		this.store = store;
		this.refresher = refresher;
		this.clock = clock;
		this.properties = properties;
	}

	/**
	 * One round, also for tests that drive it by hand: refreshes every device due now.
	 *
	 * @return the number of devices worked on
	 */
	int runOnce() {
		return runOnce(() -> true);
	}

	/** As {@link #runOnce()}, claiming no further batch once {@code keepGoing} says stop. */
	int runOnce(BooleanSupplier keepGoing) {
		String owner = this.refresher.newOwner("keep-alive");
		String actor = "keep-alive:" + this.instanceId;
		int batch = Math.max(1, this.properties.keepAliveConcurrency());
		int worked = 0;
		for (int round = 0; round < MAX_ROUNDS && keepGoing.getAsBoolean(); round++) {
			Instant now = this.clock.instant();
			// A device whose refresh just failed is left alone for a while; it has days to spare.
			List<DeviceStore.Claim> claims = this.store.claimDue(owner, this.refresher.leaseTtl(),
					now.minus(this.properties.keepAliveAfter()), now, now.minus(this.properties.keepAliveRetryAfter()),
					batch);
			this.parallel.run(claims, (claim) -> this.refresher.refreshClaimed(claim, owner, actor));
			worked += claims.size();
			if (claims.size() < batch) {
				break;
			}
		}
		return worked;
	}

}
