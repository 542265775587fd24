package io.c2cgateway.polling;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class PendingPairingsGaugeTests extends IntegrationTest {

	@Autowired
	private PendingPairingsGauge gauge;

	@Autowired
	private MeterRegistry meters;

	@Test
	void gaugeCountsPendingPairingsOfTheWholeClusterWhenRefreshed() {
		String station = newKey("STATION");
		JsonNode pairing = startPairing(station, newDeviceId(), newModel(), null);
		this.gauge.refresh();
		double withIt = pending();
		assertThat(withIt).isEqualTo(countInDatabase()).isGreaterThanOrEqualTo(1);

		this.api.as(station).delete("/api/v1/pairings/" + pairing.path("id").asString());
		this.gauge.refresh();
		assertThat(pending()).isEqualTo(withIt - 1).isEqualTo(countInDatabase());
	}

	@Test
	void gaugeShowsNanWhileTheDatabaseCannotBeCounted() {
		DriverManagerDataSource unreachable = new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/none");
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		PendingPairingsGauge broken = new PendingPairingsGauge(JdbcClient.create(unreachable), registry);
		broken.refresh();
		assertThat(registry.get("gateway.pairings.pending").gauge().value()).isNaN();
	}

	private double pending() {
		return this.meters.get("gateway.pairings.pending").gauge().value();
	}

	private double countInDatabase() {
		return this.jdbc.sql("select count(*) from pairing where status = 'PENDING'").query(Long.class).single();
	}

}
