package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.EventStream;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PairingEventsTests extends IntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static SecondReplica replicaB;

	@BeforeAll
	static void startSecondReplica() {
		replicaB = SecondReplica.start("replica-b");
	}

	@AfterAll
	static void stopSecondReplica() {
		if (replicaB != null) {
			replicaB.close();
		}
	}

	@Test
	void eventsWhenPairingAuthorizedOnOtherReplicaThenSubscriberSeesItAndStreamEnds() {
		String station = newKey("STATION");
		JsonNode started = startPairing(station, newDeviceId(), newModel(), null);
		String id = started.path("id").asString();

		try (EventStream stream = EventStream.open(replicaB.port(), station, "/api/v1/pairings/" + id + "/events")) {
			assertThat(stream.status()).isEqualTo(200);
			assertThat(stream.contentType()).startsWith("text/event-stream");
			EventStream.Event first = stream.next(WAIT);
			assertThat(first.name()).isEqualTo("pairing");
			assertThat(first.id()).isEqualTo("1");
			assertThat(first.json()).isEqualTo(started);

			// The change is made by this replica's engine; the subscriber is on the other one.
			assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
			advanceAndPoll(Duration.ofSeconds(5));

			EventStream.Event authorized = stream.next(WAIT);
			assertThat(authorized.id()).isEqualTo("2");
			assertThat(authorized.json().path("status").asString()).isEqualTo("AUTHORIZED");
			assertThat(authorized.json()).isEqualTo(pairing(id));
			stream.awaitEnd(WAIT);
		}
	}

	@Test
	void eventsWhenPairingCancelledOnOtherReplicaThenSubscriberHereSeesItAndStreamEnds() {
		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();

		try (EventStream stream = EventStream.open(this.port, station, "/api/v1/pairings/" + id + "/events")) {
			assertThat(stream.next(WAIT).id()).isEqualTo("1");

			Api.Response cancelled = Api.at(replicaB.port()).as(station).delete("/api/v1/pairings/" + id);
			assertThat(cancelled.status()).isEqualTo(200);

			EventStream.Event event = stream.next(WAIT);
			assertThat(event.id()).isEqualTo("2");
			assertThat(event.json()).isEqualTo(cancelled.json());
			stream.awaitEnd(WAIT);
		}
	}

	@Test
	void eventsWhenCodeRenewedThenOneEventPerChangeWithIncreasingIds() {
		String station = newKey("STATION");
		JsonNode started = startPairing(station, newDeviceId(), newModel(), null);
		String id = started.path("id").asString();

		try (EventStream stream = EventStream.open(this.port, station, "/api/v1/pairings/" + id + "/events")) {
			assertThat(stream.next(WAIT).id()).isEqualTo("1");

			// The sandbox's codes live 120 s; the pairing's 900 s allow a fresh one.
			advanceAndPoll(Duration.ofSeconds(121));
			EventStream.Event renewed = stream.next(WAIT);
			assertThat(renewed.id()).isEqualTo("2");
			assertThat(renewed.json().path("status").asString()).isEqualTo("PENDING");
			assertThat(renewed.json().path("codesIssued").asInt()).isEqualTo(2);
			assertThat(renewed.json().path("userCode").asString()).isNotEqualTo(started.path("userCode").asString());

			assertThat(this.api.as(station).delete("/api/v1/pairings/" + id).status()).isEqualTo(200);
			EventStream.Event cancelled = stream.next(WAIT);
			assertThat(cancelled.id()).isEqualTo("3");
			assertThat(cancelled.json().path("status").asString()).isEqualTo("CANCELLED");
			stream.awaitEnd(WAIT);
		}
	}

	@Test
	void eventsWhenNothingChangesThenCommentLinesKeepTheStreamOpen() {
		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();

		try (EventStream stream = EventStream.open(this.port, station, "/api/v1/pairings/" + id + "/events")) {
			assertThat(stream.next(WAIT).id()).isEqualTo("1");
			// The test profile sends one every second; the default is every 10 s.
			assertThat(stream.nextComment(Duration.ofSeconds(15))).isNotNull();
			assertThat(stream.nextComment(Duration.ofSeconds(15))).isNotNull();
		}
	}

	@Test
	void eventsWhenPairingAlreadyFinishedThenCurrentStateOnceAndStreamEnds() {
		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();
		JsonNode cancelled = this.api.as(station).delete("/api/v1/pairings/" + id).json();

		try (EventStream stream = EventStream.open(this.port, station, "/api/v1/pairings/" + id + "/events")) {
			EventStream.Event only = stream.next(WAIT);
			assertThat(only.id()).isEqualTo("2");
			assertThat(only.json()).isEqualTo(cancelled);
			stream.awaitEnd(WAIT);
		}
	}

	@Test
	void eventsWhenPairingUnknownOrForeignThenNotFound() {
		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();

		try (EventStream foreign = EventStream.open(this.port, newKey("STATION"), "/api/v1/pairings/" + id + "/events")) {
			assertThat(foreign.status()).isEqualTo(404);
		}
		try (EventStream unknown = EventStream.open(this.port, station,
				"/api/v1/pairings/" + UUID.randomUUID() + "/events")) {
			assertThat(unknown.status()).isEqualTo(404);
		}
		try (EventStream notUuid = EventStream.open(this.port, station, "/api/v1/pairings/not-a-uuid/events")) {
			assertThat(notUuid.status()).isEqualTo(404);
		}
		Api.Response json = this.api.as(station).get("/api/v1/pairings/" + UUID.randomUUID() + "/events");
		assertThat(json.status()).isEqualTo(404);
		assertThat(json.code()).isEqualTo("not_found");
	}


	@Test
	void eventsWhenTheKeyIsDeletedOnAnotherReplicaThenItsStreamsEndWithinSeconds() {
		Api.Response created = admin().post("/api/v1/api-keys",
				"{\"name\": \"leaving-" + UUID.randomUUID().toString().substring(0, 8) + "\", \"role\": \"STATION\"}");
		String station = created.json().path("key").asString();
		String keyId = created.json().path("id").asString();
		JsonNode started = startPairing(station, newDeviceId(), newModel(), null);

		try (EventStream stream = EventStream.open(this.port, station,
				"/api/v1/pairings/" + started.path("id").asString() + "/events")) {
			assertThat(stream.status()).isEqualTo(200);
			assertThat(stream.next(WAIT).id()).isEqualTo("1");
			assertThat(Api.at(replicaB.port()).asAdmin().delete("/api/v1/api-keys/" + keyId).status()).isEqualTo(204);
			long deletedAt = System.nanoTime();
			stream.awaitEndAfterAnyEvents(Duration.ofSeconds(10));
			System.out.printf("stream of a key deleted on the other replica ended after %d ms%n",
					(System.nanoTime() - deletedAt) / 1_000_000);
		}
	}

	@Test
	void eventsWhenAKeyHoldsItsLimitOfStreamsThenOneMoreIsRefusedUntilOneCloses() {
		String station = newKey("STATION");
		JsonNode started = startPairing(station, newDeviceId(), newModel(), null);
		String path = "/api/v1/pairings/" + started.path("id").asString() + "/events";
		List<EventStream> open = new ArrayList<>();
		try {
			for (int i = 0; i < 20; i++) {
				EventStream stream = EventStream.open(this.port, station, path);
				open.add(stream);
				assertThat(stream.status()).isEqualTo(200);
				stream.next(WAIT);
			}
			EventStream refused = EventStream.open(this.port, station, path);
			assertThat(refused.status()).isEqualTo(429);
			refused.close();
			// Another key is not affected.
			try (EventStream other = EventStream.open(this.port, newKey("ADMIN"), path)) {
				assertThat(other.status()).isEqualTo(200);
			}

			open.remove(0).close();
			await().atMost(WAIT).until(() -> {
				try (EventStream again = EventStream.open(this.port, station, path)) {
					return again.status() == 200;
				}
			});
		}
		finally {
			open.forEach(EventStream::close);
		}
	}

}
