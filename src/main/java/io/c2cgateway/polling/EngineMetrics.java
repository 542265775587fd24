package io.c2cgateway.polling;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The poll engine's meters; names are listed in the README. */
final class EngineMetrics {

	final Timer lateness;

	final Counter takeovers;

	final Counter renewals;

	final Counter undecryptable;

	final Counter handedBack;

	// Looked up once: one of them is counted on every poll.
	private final Counter polls;

	private final Counter renewalSteps;

	private final Counter expirations;

	EngineMetrics(MeterRegistry meters, Map<UUID, Tracked> tracked, AtomicInteger inFlight, int concurrencyLimit) {
		this.lateness = Timer.builder("gateway.poll.lateness")
			.description("How late a poll was sent versus its schedule")
			.publishPercentileHistogram()
			.register(meters);
		this.takeovers = Counter.builder("gateway.poll.lease.takeovers")
			.description("Pairings taken over from a replica whose lease ran out")
			.register(meters);
		this.renewals = Counter.builder("gateway.pairings.codes.renewed")
			.description("Device codes replaced before the pairing's deadline")
			.register(meters);
		this.undecryptable = Counter.builder("gateway.poll.undecryptable")
			.description("Claimed pairings whose device code no configured key opens; they end FAILED")
			.register(meters);
		this.handedBack = Counter.builder("gateway.poll.lease.handed_back")
			.description("Pairings handed back to even out the replicas' shares")
			.register(meters);
		meters.gauge("gateway.poll.tracked", tracked, Map::size);
		// A replica sends at most limit / Frame.io's response time polls a second: in flight near the
		// limit for long means its pairings wait for a permit, however idle the CPU and the database.
		Gauge.builder("gateway.poll.in_flight", inFlight, AtomicInteger::get)
			.description("Polls sent to Frame.io whose outcome is not written yet")
			.register(meters);
		Gauge.builder("gateway.poll.in_flight.limit", () -> concurrencyLimit)
			.description("The most polls this replica has in flight at once (GATEWAY_POLLING_MAX_CONCURRENT_POLLS)")
			.register(meters);
		this.polls = meters.counter("gateway.poll.steps", "kind", "poll");
		this.renewalSteps = meters.counter("gateway.poll.steps", "kind", "renew");
		this.expirations = meters.counter("gateway.poll.steps", "kind", "expire");
	}

	void count(Step step) {
		Counter counter = (step instanceof Step.Poll) ? this.polls
				: (step instanceof Step.Renew) ? this.renewalSteps : this.expirations;
		counter.increment();
	}

}
