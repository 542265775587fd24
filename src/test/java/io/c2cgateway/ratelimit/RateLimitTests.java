package io.c2cgateway.ratelimit;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTests extends IntegrationTest {

	/** The test profile limits keys named {@code rate-limit-probe} to 3 requests, then 1 an hour. */
	@Test
	void requestWhenKeyOverItsLimitThen429WithRetryAfterAndOtherKeysUnaffected() {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"rate-limit-probe\", \"role\": \"STATION\"}");
		Api probe = this.api.as(created.json().path("key").asString());
		String path = "/api/v1/pairings/" + UUID.randomUUID();
		for (int i = 0; i < 3; i++) {
			assertThat(probe.get(path).status()).isEqualTo(404);
		}

		Api.Response limited = probe.get(path);
		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.code()).isEqualTo("rate_limited");
		assertThat(limited.contentType()).startsWith("application/problem+json");
		assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 3600L);
		assertThat(probe.post("/api/v1/pairings", "{}").status()).isEqualTo(429);

		assertThat(this.api.as(newKey("STATION")).get(path).status()).isEqualTo(404);
	}

}
