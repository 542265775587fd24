package io.c2cgateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** The meters the README lists, as Prometheus scrapes them after real pairing flows. */
class MetricsTests extends IntegrationTest {

	@Autowired
	private ApplicationContext context;

	@Test
	void aPairingFlowShowsUpInThePrometheusScrape() {
		Scrape before = scrape();
		String model = newModel();
		String station = newKey("STATION");
		JsonNode authorized = startPairing(station, newDeviceId(), model, null);
		JsonNode cancelled = startPairing(station, newDeviceId(), model, null);
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + cancelled.path("id").asString()).status())
			.isEqualTo(200);
		assertThat(this.simulator.approve(authorized.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(authorized.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");

		Scrape after = scrape();
		assertThat(after.value("gateway_pairings_started_total") - before.value("gateway_pairings_started_total"))
			.isGreaterThanOrEqualTo(2);
		assertThat(after.value("gateway_pairings_finished_total{outcome=\"AUTHORIZED\"}")
				- before.value("gateway_pairings_finished_total{outcome=\"AUTHORIZED\"}"))
			.isGreaterThanOrEqualTo(1);
		assertThat(after.value("gateway_pairings_finished_total{outcome=\"CANCELLED\"}")
				- before.value("gateway_pairings_finished_total{outcome=\"CANCELLED\"}"))
			.isGreaterThanOrEqualTo(1);
		assertThat(after.value("gateway_poll_lateness_seconds_count")
				- before.value("gateway_poll_lateness_seconds_count"))
			.isGreaterThanOrEqualTo(1);
		assertThat(after.value("gateway_poll_steps_total{kind=\"poll\"}")
				- before.value("gateway_poll_steps_total{kind=\"poll\"}"))
			.isGreaterThanOrEqualTo(1);
		assertThat(after.names()).contains("gateway_pairings_pending", "gateway_idempotency_keys", "gateway_poll_tracked",
				"gateway_poll_lease_takeovers_total", "gateway_pairings_codes_renewed_total",
				"gateway_poll_lease_handed_back_total", "gateway_poll_undecryptable_total",
				"gateway_pairings_streams_open", "gateway_pairings_streams_dropped_total", "gateway_crypto_sealed_rows",
				"gateway_poll_in_flight", "gateway_poll_in_flight_limit");
		// Polls done and written: none holds a permit; the limit is the configured one.
		assertThat(after.value("gateway_poll_in_flight")).isZero();
		assertThat(after.value("gateway_poll_in_flight_limit")).isEqualTo(256.0);
	}

	@Test
	void theEnginesOwnPoolIsMeteredBesideTheSharedOne() {
		Scrape scrape = scrape();
		assertThat(scrape.lines()).anyMatch((line) -> line.startsWith("hikaricp_connections_max{pool=\"engine\"} 3"));
		assertThat(scrape.lines()).anyMatch((line) -> line.startsWith("hikaricp_connections_max{")
				&& !line.contains("pool=\"engine\""));
	}

	@Test
	void backgroundPoolsAreMeteredByNameAndBootKeepsItsOwnExecutors() {
		Scrape scrape = scrape();
		for (String name : List.of("pairingBatchExecutor", "deviceCustodyExecutor", "databaseHealthExecutor",
				"pairingEventsReadExecutor", "idempotencyHeartbeatScheduler", "frameioRateBudgetScheduler")) {
			assertThat(scrape.lines()).as(name)
				.anyMatch((line) -> line.startsWith("executor_pool_max_threads{") && line.contains("name=\"" + name + "\""));
		}
		// The pools above are no default candidates, so Boot's executor and scheduler do not back off.
		assertThat(this.context.containsBean("applicationTaskExecutor")).isTrue();
		assertThat(this.context.containsBean("taskScheduler")).isTrue();
	}

	@Test
	void upstreamCallsAreTimedByEndpointAndOutcomeAsHistograms() {
		String model = newModel();
		JsonNode pairing = startPairing(newKey("STATION"), newDeviceId(), model, null);
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pollsOf(pairing.path("deviceId").asString())).hasSize(1);

		Scrape scrape = scrape();
		assertThat(scrape.value("gateway_frameio_requests_seconds_count{endpoint=\"device_code\",outcome=\"ok\"}"))
			.isGreaterThanOrEqualTo(1);
		assertThat(scrape.value("gateway_frameio_requests_seconds_count{endpoint=\"token_poll\",outcome=\"rejected\"}"))
			.as("authorization_pending is a rejection")
			.isGreaterThanOrEqualTo(1);
		assertThat(scrape.lines()).anyMatch((line) -> line.startsWith("gateway_frameio_requests_seconds_bucket{")
				&& line.contains("endpoint=\"token_poll\"") && line.contains("le=\""));
		assertThat(scrape.lines()).anyMatch((line) -> line.startsWith("gateway_poll_lateness_seconds_bucket{le=\""));
	}

	private Scrape scrape() {
		var response = this.api.get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		return new Scrape(List.of(response.body().split("\n")));
	}

	/** One Prometheus text exposition, looked up by series as written: name plus labels in Prometheus' order. */
	private record Scrape(List<String> lines) {

		double value(String series) {
			for (String line : this.lines) {
				if (line.startsWith(series + " ")) {
					return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
				}
			}
			return 0;
		}

		List<String> names() {
			List<String> names = new ArrayList<>();
			for (String line : this.lines) {
				if (!line.startsWith("#") && !line.isBlank()) {
					names.add(line.split("[{ ]")[0]);
				}
			}
			return names;
		}

	}

}
