package io.c2cgateway.polling;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Contract 1.2: a 2xx token answer to a poll without a usable {@code access_token} and
 * {@code refresh_token} spends the device code without giving the gateway custody. The pairing ends
 * FAILED ({@code invalid_token_response}) with an audit event and an ERROR line that carries no
 * part of the answer.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnusableTokenAnswerTests extends IntegrationTest {

	static Stream<Arguments> unusableAnswers() {
		return Stream.of(Arguments.of("no access_token",
				Map.of("refresh_token", "leaked-refresh-token-1", "expires_in", 3600, "token_type", "bearer")),
				Arguments.of("no refresh_token",
						Map.of("access_token", "leaked-access-token-2", "expires_in", 3600, "token_type", "bearer")),
				Arguments.of("not JSON", "<html><body>leaked-page-3: signed in</body></html>"),
				Arguments.of("blank tokens", Map.of("access_token", " ", "refresh_token", "", "expires_in", 3600)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("unusableAnswers")
	void pollAnsweredWithTokensThatCannotBeUsedThenFailedInvalidTokenResponseWithAuditAndErrorLine(String kind,
			Object body, CapturedOutput output) {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		String id = started.path("id").asString();
		this.simulator.inject(new Fault("token_poll", deviceId, 200, body, null, null, 1));

		advanceAndPoll(Duration.ofSeconds(5));

		JsonNode failed = pairing(id);
		assertThat(failed.path("status").asString()).isEqualTo("FAILED");
		assertThat(failed.path("failureReason").asString()).isEqualTo("invalid_token_response");
		assertThat(failed.path("completedAt").isNull()).isFalse();
		assertThat(this.jdbc.sql("select detail from audit_event where subject_id = ? and action = 'pairing.failed'")
			.param(id)
			.query(String.class)
			.single()).contains("invalid_token_response");
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ?").param(deviceId).query(Long.class).single())
			.as("no custody without usable tokens")
			.isZero();
		assertThat(output.getOut()).containsPattern("ERROR.*" + id + ".*invalid_token_response");
		assertThat(output.getOut() + output.getErr()).doesNotContain("leaked-");

		advanceAndPoll(Duration.ofSeconds(30));
		assertThat(pollsOf(deviceId)).as("the code is spent: no further poll").hasSize(1);
	}

}
