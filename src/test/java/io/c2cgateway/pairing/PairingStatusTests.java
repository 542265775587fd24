package io.c2cgateway.pairing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.c2cgateway.webhook.WebhookEvents;

import static org.assertj.core.api.Assertions.assertThat;

class PairingStatusTests {

	@Test
	void statusesAreExactlyThoseTheSchemaAllowsInItsOrder() throws IOException {
		String schema;
		try (InputStream in = getClass().getResourceAsStream("/db/migration/V1__create_core_schema.sql")) {
			schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		Matcher check = Pattern.compile("check \\(status in \\(([^)]*)\\)\\)").matcher(schema);
		assertThat(check.find()).isTrue();
		List<String> allowed = Arrays.stream(check.group(1).split(",")).map((s) -> s.trim().replace("'", "")).toList();

		assertThat(PairingStatus.NAMES).containsExactlyElementsOf(allowed);
	}

	@Test
	void everyTerminalStatusNamesAWebhookEventOfTheContract() {
		for (PairingStatus status : PairingStatus.values()) {
			if (status.isTerminal()) {
				assertThat(WebhookEvents.TYPES).contains(status.eventName());
			}
		}
		assertThat(PairingStatus.AUTHORIZED.eventName()).isEqualTo("pairing.authorized");
		assertThat(PairingStatus.PENDING.isTerminal()).isFalse();
	}

}
