package io.c2cgateway.system;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

class LogContextTests {

	@AfterEach
	void clear() {
		MDC.clear();
	}

	@Test
	void closingRestoresWhatWasThereBefore() {
		UUID outer = UUID.randomUUID();
		UUID inner = UUID.randomUUID();
		try (LogContext request = LogContext.of(outer, null)) {
			try (LogContext service = LogContext.of(inner, "SN-1")) {
				assertThat(MDC.get("pairingId")).isEqualTo(inner.toString());
				assertThat(MDC.get("deviceId")).isEqualTo("SN-1");
			}
			assertThat(MDC.get("pairingId")).isEqualTo(outer.toString());
			assertThat(MDC.get("deviceId")).isNull();
		}
		assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
	}

	@Test
	void untrustedIdsThatAreNotWellFormedAreLeftOut() {
		try (LogContext context = LogContext.fromUntrusted("not-a-uuid\nforged line", "SN-1\n{\"level\":\"ERROR\"}")) {
			assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
		}
		String id = UUID.randomUUID().toString();
		try (LogContext context = LogContext.fromUntrusted(id, "SN-0042")) {
			assertThat(MDC.get("pairingId")).isEqualTo(id);
			assertThat(MDC.get("deviceId")).isEqualTo("SN-0042");
		}
	}

}
