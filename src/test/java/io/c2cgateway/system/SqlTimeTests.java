package io.c2cgateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SqlTimeTests {

	@Test
	void subSecondDurationsKeepTheirMillisecondsAsIntervalSeconds() {
		assertThat(SqlTime.seconds(Duration.ofMillis(250))).isEqualTo(0.25);
		assertThat(SqlTime.seconds(Duration.ofSeconds(15))).isEqualTo(15.0);
		assertThat(SqlTime.seconds(Duration.ofMinutes(2).plusMillis(1))).isEqualTo(120.001);
	}

}
