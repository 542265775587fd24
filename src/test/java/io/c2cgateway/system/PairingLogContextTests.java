package io.c2cgateway.system;

import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines about a pairing carry its id and its device's in the MDC, whichever thread writes them. */
class PairingLogContextTests extends IntegrationTest {

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private Logger gateway;

	@BeforeEach
	void capture() {
		this.gateway = (Logger) LoggerFactory.getLogger("io.c2cgateway");
		this.appender.start();
		this.gateway.addAppender(this.appender);
	}

	@AfterEach
	void release() {
		this.gateway.detachAppender(this.appender);
		this.appender.stop();
	}

	@Test
	void linesAboutStartingAuthorizingAndCancellingCarryThePairingAndDevice() {
		String station = newKey("STATION");
		String model = newModel();
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		String id = started.path("id").asString();
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String otherDevice = newDeviceId();
		String other = startPairing(station, otherDevice, model, null).path("id").asString();
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + other).status()).isEqualTo(200);

		assertThat(linesAbout(id)).extracting(ILoggingEvent::getFormattedMessage)
			.anyMatch((message) -> message.contains("started"))
			.anyMatch((message) -> message.contains("authorized"));
		assertThat(linesAbout(id)).allSatisfy((line) -> {
			assertThat(line.getMDCPropertyMap()).containsEntry(LogContext.PAIRING_ID, id);
			assertThat(line.getMDCPropertyMap()).containsEntry(LogContext.DEVICE_ID, deviceId);
		});
		assertThat(linesAbout(other)).extracting(ILoggingEvent::getFormattedMessage)
			.anyMatch((message) -> message.contains("cancelled"));
		assertThat(linesAbout(other)).allSatisfy(
				(line) -> assertThat(line.getMDCPropertyMap()).containsEntry(LogContext.PAIRING_ID, other));
	}

	@Test
	void aRequestsContextEndsWithTheRequest() {
		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + id).status()).isEqualTo(200);
		String later = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();
		assertThat(linesAbout(later)).isNotEmpty()
			.allSatisfy((line) -> assertThat(line.getMDCPropertyMap()).containsEntry(LogContext.PAIRING_ID, later));
		assertThat(this.appender.list).filteredOn((line) -> !line.getFormattedMessage().contains(id))
			.allSatisfy((line) -> assertThat(line.getMDCPropertyMap()).doesNotContainEntry(LogContext.PAIRING_ID, id));
	}

	private List<ILoggingEvent> linesAbout(String pairingId) {
		return this.appender.list.stream().filter((line) -> line.getFormattedMessage().contains(pairingId)).toList();
	}

}
