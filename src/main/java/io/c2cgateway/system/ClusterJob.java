package io.c2cgateway.system;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A periodic job that one replica of the cluster runs per period, whichever picks it up first
 * ({@link ClusterJobs}). A feature declares it as a bean; a job switched off on a replica is not
 * known to that replica's scheduler, which leaves its runs to the replicas that have it on.
 *
 * @param name the job's name in {@code scheduled_tasks}, stable across releases
 * @param enabled whether this replica runs it
 * @param every pause between the end of one run and the start of the next
 * @param afterStart when not null, a replica's start brings the next run forward to at most this
 * long after it: for work that settings read at start-up change (key rotation after new keys)
 * @param round one run; it claims no further work once {@code keepGoing} says stop (the context is
 * closing)
 */
public record ClusterJob(String name, boolean enabled, Duration every, Duration afterStart, Round round) {

	public ClusterJob {
		if (enabled && (every == null || every.isNegative() || every.isZero())) {
			throw new InvalidConfigurationException("the period of the job '" + name + "' must be positive");
		}
	}

	/** A job that runs once per {@code every} across the cluster. */
	public static ClusterJob every(String name, boolean enabled, Duration every, Round round) {
		return new ClusterJob(name, enabled, every, null, round);
	}

	/** One run of a job. */
	@FunctionalInterface
	public interface Round {

		void run(BooleanSupplier keepGoing);

	}

}
