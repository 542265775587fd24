package io.c2cgateway.pairing;

import java.time.Duration;
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

}
