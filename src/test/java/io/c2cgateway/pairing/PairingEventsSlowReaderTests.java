package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.Environment;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.EventStream;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import io.c2cgateway.support.StalledReader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that stop reading their event stream. Their connections fill up (a small receive window,
 * a small send buffer, large events, many of them) until every write to them blocks; a client that reads, on another
 * pairing of the same replica, must not notice. The replica is a gateway of its own, so the
 * stalled connections touch no other test.
 */
class PairingEventsSlowReaderTests extends IntegrationTest {

	/** Twice the fan-out threads the gateway had before streams got their own sending. */
	private static final int STALLED = 8;

	private static final Duration SEND_TIMEOUT = Duration.ofSeconds(2);

	/** A device name this long makes every event of a stalled pairing about 32 KB. */
	private static final int LARGE = 32 * 1024;

	/**
	 * Tomcat's write timeout in the replica that stops with stalled clients: the mechanism is the
	 * same at 2 s as at the configured 10 s, which would only make the test wait 8 s longer.
	 */
	private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);

	@Autowired
	private Environment environment;

	@Test
	void eventsWhenOtherClientsStopReadingThenAReaderOnTheSameReplicaStillGetsItsEventAtOnce() throws Exception {
		String station = newKey("STATION");
		String model = newModel();
		List<UUID> stalledPairings = startPairings(station, model, STALLED);
		String id = startPairing(station, newDeviceId(), model, null).path("id").asString();

		try (SecondReplica replica = startReplica("slow-readers", SEND_TIMEOUT);
				Readers stalled = openStalled(replica.port(), station, stalledPairings);
				EventStream reader = EventStream.open(replica.port(), station, "/api/v1/pairings/" + id + "/events")) {
			PairingStreams streams = replica.bean(PairingStreams.class);
			assertThat(reader.next(Duration.ofSeconds(10)).id()).isEqualTo("1");
			await().atMost(Duration.ofSeconds(10)).until(() -> streams.openStreams() == STALLED + 1);

			long filling = System.nanoTime();
			fillStalledConnections(stalledPairings);

			long cancelling = System.nanoTime();
			Api.Response cancelled = Api.at(replica.port()).as(station).delete("/api/v1/pairings/" + id);
			assertThat(cancelled.status()).isEqualTo(200);
			EventStream.Event event = reader.next(Duration.ofSeconds(2));
			long latencyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelling);
			assertThat(event.id()).isEqualTo("2");
			assertThat(event.json()).isEqualTo(cancelled.json());
			reader.awaitEnd(Duration.ofSeconds(2));

			// The stalled streams end once a send has waited longer than the bound, and are counted.
			Counter dropped = replica.bean(MeterRegistry.class)
				.get("gateway.pairings.streams.dropped")
				.tag("reason", "stalled")
				.counter();
			await().atMost(SEND_TIMEOUT.plusSeconds(5)).until(() -> dropped.count() == STALLED);
			long dropMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - filling);
			await().atMost(Duration.ofSeconds(5)).until(() -> streams.openStreams() == 0);
			System.out.printf("slow readers: %d stalled, reader's event after %d ms, %d dropped %d ms after the changes began%n",
					STALLED, latencyMillis, (long) dropped.count(), dropMillis);
		}
		finally {
			cancelAll(station, stalledPairings);
		}
	}

	@Test
	void eventsWhenClientsStalledThenStoppingEndsEveryStreamAtOnce() throws Exception {
		String station = newKey("STATION");
		String model = newModel();
		List<UUID> stalledPairings = startPairings(station, model, STALLED);
		String id = startPairing(station, newDeviceId(), model, null).path("id").asString();

		// A bound far beyond the test: the sends are still blocked when the replica stops.
		SecondReplica replica = startReplica("slow-readers-stop", Duration.ofSeconds(60), WRITE_TIMEOUT);
		try (Readers stalled = openStalled(replica.port(), station, stalledPairings);
				EventStream reader = EventStream.open(replica.port(), station, "/api/v1/pairings/" + id + "/events")) {
			PairingStreams streams = replica.bean(PairingStreams.class);
			assertThat(reader.next(Duration.ofSeconds(10)).id()).isEqualTo("1");
			await().atMost(Duration.ofSeconds(10)).until(() -> streams.openStreams() == STALLED + 1);
			fillStalledConnections(stalledPairings);

			long stopping = System.nanoTime();
			CountDownLatch stopped = new CountDownLatch(1);
			Thread stopper = new Thread(() -> streams.stop(stopped::countDown), "test-stopper");
			stopper.setDaemon(true);
			stopper.start();
			assertThat(stopped.await(2, TimeUnit.SECONDS)).as("stop() returned without waiting for blocked sends")
				.isTrue();
			long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
			reader.awaitEnd(Duration.ofSeconds(2));
			assertThat(streams.openStreams()).isZero();

			long closing = System.nanoTime();
			replica.close();
			long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
			System.out.printf("slow readers: stop() with %d blocked sends took %d ms, closing the replica %d ms%n",
					STALLED, stopMillis, closeMillis);
			// The stalled connections end with Tomcat's write timeout, not with the 20 s the web
			// server's graceful shutdown would wait for them; the contract allows 30 s.
			assertThat(Duration.ofMillis(closeMillis)).isLessThan(Duration.ofSeconds(15));
			// The configured write timeout (10 s) fits that shutdown phase as this one did.
			Duration configured = this.environment.getRequiredProperty("server.tomcat.connection-timeout", Duration.class);
			Duration phase = this.environment.getRequiredProperty("spring.lifecycle.timeout-per-shutdown-phase",
					Duration.class);
			assertThat(configured).isLessThanOrEqualTo(Duration.ofSeconds(10)).isLessThan(phase.minusSeconds(5));
		}
		finally {
			replica.close();
			cancelAll(station, stalledPairings);
			this.api.as(station).delete("/api/v1/pairings/" + id);
		}
	}

	/**
	 * A replica whose connections have a small send buffer of fixed size: the kernel would
	 * otherwise grow it to megabytes on loopback, and a stalled client would take long to fill.
	 */
	private static SecondReplica startReplica(String instanceId, Duration sendTimeout) {
		return startReplica(instanceId, sendTimeout, null);
	}

	/** As {@link #startReplica(String, Duration)}, with Tomcat's write timeout set when not null. */
	private static SecondReplica startReplica(String instanceId, Duration sendTimeout, Duration writeTimeout) {
		Map<String, String> settings = new java.util.LinkedHashMap<>();
		settings.put("gateway.pairings.events-send-timeout", sendTimeout.toMillis() + "ms");
		if (writeTimeout != null) {
			settings.put("server.tomcat.connection-timeout", writeTimeout.toMillis() + "ms");
		}
		return SecondReplica.start(instanceId, settings,
				(context) -> ((GenericApplicationContext) context).registerBean("smallSendBuffers",
						WebServerFactoryCustomizer.class, () -> (WebServerFactoryCustomizer<TomcatServletWebServerFactory>) (
								factory) -> factory.addConnectorCustomizers(
										(connector) -> connector.setProperty("socket.txBufSize", "8192"))));
	}

	private List<UUID> startPairings(String station, String model, int count) {
		List<UUID> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ids.add(UUID.fromString(startPairing(station, newDeviceId(), model, null).path("id").asString()));
		}
		return ids;
	}

	/**
	 * Changes every stalled pairing, each change a large event, often enough that, were every
	 * change sent, each stalled connection would get megabytes: far more than its window and the
	 * server's send buffer.
	 */
	private void fillStalledConnections(List<UUID> ids) throws InterruptedException {
		this.jdbc.sql("update pairing set device_name = repeat('x', :size) where id in (:ids)")
			.param("size", LARGE)
			.param("ids", ids)
			.update();
		for (int i = 0; i < 100; i++) {
			this.jdbc.sql("update pairing set version = version + 1 where id in (:ids)").param("ids", ids).update();
			Thread.sleep(10);
		}
		// Let the last changes reach the connections.
		Thread.sleep(500);
	}

	private Readers openStalled(int port, String station, List<UUID> ids) {
		Readers readers = new Readers();
		for (UUID id : ids) {
			readers.add(StalledReader.open(port, station, "/api/v1/pairings/" + id + "/events"));
		}
		return readers;
	}

	private void cancelAll(String station, List<UUID> ids) {
		for (UUID id : ids) {
			this.api.as(station).delete("/api/v1/pairings/" + id);
		}
	}

	private static final class Readers extends ArrayList<StalledReader> implements AutoCloseable {

		@Override
		public void close() {
			forEach(StalledReader::close);
		}

	}

}
