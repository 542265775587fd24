package io.c2cgateway.pairing;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.c2cgateway.system.InvalidConfigurationException;

/**
 * Pairing API settings.
 *
 * @param batchConcurrency device-code requests in flight at once for one batch: a batch of 500
 * must not become 500 simultaneous upstream calls
 * @param eventsKeepAlive how often an idle event stream gets a comment line; the contract promises
 * one at least every 15 s
 * @param eventsSendTimeout longest one write to an event stream may wait for its client to read;
 * past it the stream is ended (the client reconnects and gets the current state) and counted in
 * {@code gateway.pairings.streams.dropped}
 * @param eventsPerKey event streams one API key may hold open on one replica at once; one more
 * is refused (429 {@code too_many_streams}), so a leaked or looping client cannot hold every thread
 * and connection of the replica
 * @param eventsKeyCheck how often the replica checks that the keys of its open streams still
 * work: a deleted key's streams end within this time, whichever replica deleted it
 */
@ConfigurationProperties("gateway.pairings")
public record PairingProperties(@DefaultValue("8") int batchConcurrency,
		@DefaultValue("10s") Duration eventsKeepAlive, @DefaultValue("10s") Duration eventsSendTimeout,
		@DefaultValue("20") int eventsPerKey, @DefaultValue("2s") Duration eventsKeyCheck) {

	public PairingProperties {
		if (batchConcurrency < 1 || batchConcurrency > 256) {
			throw new InvalidConfigurationException(
					"gateway.pairings.batch-concurrency is malformed: it must be between 1 and 256");
		}
		if (eventsKeepAlive == null || eventsKeepAlive.toMillis() < 100
				|| eventsKeepAlive.compareTo(Duration.ofSeconds(15)) > 0) {
			throw new InvalidConfigurationException(
					"gateway.pairings.events-keep-alive is malformed: it must be between 100ms and 15s");
		}
		if (eventsSendTimeout == null || eventsSendTimeout.compareTo(Duration.ofSeconds(1)) < 0
				|| eventsSendTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
			throw new InvalidConfigurationException(
					"gateway.pairings.events-send-timeout is malformed: it must be between 1s and 10m");
		}
		if (eventsPerKey < 1) {
			throw new InvalidConfigurationException("gateway.pairings.events-per-key is malformed: it must be at least 1");
		}
		if (eventsKeyCheck == null || eventsKeyCheck.toMillis() < 100
				|| eventsKeyCheck.compareTo(Duration.ofMinutes(1)) > 0) {
			throw new InvalidConfigurationException(
					"gateway.pairings.events-key-check is malformed: it must be between 100ms and 1m");
		}
	}

}
