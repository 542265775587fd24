package io.c2cgateway.system;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code LOGGING_STRUCTURED_FORMAT_CONSOLE=ecs|logstash} turns a log line into: the pairing
 * and device ids of the {@link LogContext} become top-level JSON fields, which is what the README
 * promises log searches can rely on.
 */
class StructuredLoggingTests {

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	void logContextIdsAreTopLevelFieldsOfTheJsonLine(String format) {
		LoggerContext context = new LoggerContext();
		context.putObject(Environment.class.getName(),
				new MockEnvironment().withProperty("spring.application.name", "c2c-gateway"));
		StructuredLogEncoder encoder = new StructuredLogEncoder();
		encoder.setContext(context);
		encoder.setFormat(format);
		encoder.start();
		try {
			LoggingEvent event = new LoggingEvent(getClass().getName(),
					context.getLogger("io.c2cgateway.polling.PollEngine"), Level.INFO,
					"Pairing {} authorized; device {} is paired", null,
					new Object[] { "0b6f4a1e-2f7c-4d5e-9a8b-1c2d3e4f5a6b", "SN-0042" });
			event.setMDCPropertyMap(
					Map.of(LogContext.PAIRING_ID, "0b6f4a1e-2f7c-4d5e-9a8b-1c2d3e4f5a6b", LogContext.DEVICE_ID, "SN-0042"));
			String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
			assertThat(line).endsWith("\n").doesNotContain("\n{");
			JsonNode json = JsonMapper.builder().build().readTree(line);
			assertThat(json.path("pairingId").asString()).isEqualTo("0b6f4a1e-2f7c-4d5e-9a8b-1c2d3e4f5a6b");
			assertThat(json.path("deviceId").asString()).isEqualTo("SN-0042");
			assertThat(json.path("message").asString()).contains("authorized");
		}
		finally {
			encoder.stop();
		}
	}

}
