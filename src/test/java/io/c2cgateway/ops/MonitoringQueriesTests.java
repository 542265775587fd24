package io.c2cgateway.ops;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every series the alert rules and the dashboard query is one the gateway really exposes, read
 * from /actuator/prometheus of the running test context. Some meters appear only once their
 * event happened (a refused refresh, a failed revocation, a rate-limited key), so the test makes
 * each of those happen first.
 */
class MonitoringQueriesTests extends IntegrationTest {

	/** Series from elsewhere: Prometheus' own scrape health and kube-state-metrics' pod readiness. */
	private static final Set<String> NOT_FROM_THE_GATEWAY = Set.of("up", "kube_pod_status_ready");

	@Test
	void everySeriesTheAlertsAndTheDashboardQueryIsExposedByTheGateway() throws IOException {
		makeLazilyRegisteredMetersAppear();
		Set<String> exposed = exposedSeriesNames();

		Map<String, Set<String>> queried = new LinkedHashMap<>();
		for (String expression : MonitoringFiles.ruleExpressions()) {
			queried.put("rule: " + expression.strip(), MonitoringFiles.seriesNames(expression));
		}
		for (String expression : MonitoringFiles.dashboardExpressions()) {
			queried.put("dashboard: " + expression.strip(), MonitoringFiles.seriesNames(expression));
		}
		assertThat(queried).hasSizeGreaterThan(20);
		Set<String> missing = new TreeSet<>();
		queried.forEach((where, names) -> {
			assertThat(names).as("no series name found in " + where).isNotEmpty();
			for (String name : names) {
				if (!exposed.contains(name) && !NOT_FROM_THE_GATEWAY.contains(name)) {
					missing.add(name + "  <- " + where);
				}
			}
		});
		assertThat(missing).as("queried but not exposed by the gateway").isEmpty();
	}

	@Test
	void seriesNamesAreFoundPastFunctionsGroupingRangesAndGrafanaVariables() {
		assertThat(MonitoringFiles.seriesNames("histogram_quantile(0.99, sum by (namespace, le) "
				+ "(rate(gateway_poll_lateness_seconds_bucket{job=\"c2c-gateway\", namespace=\"$namespace\"}"
				+ "[$__rate_interval]))) > 1"))
			.containsExactly("gateway_poll_lateness_seconds_bucket");
		assertThat(MonitoringFiles.seriesNames("gateway_poll_tracked > on (namespace) group_left () "
				+ "(1.5 * sum by (namespace) (gateway_poll_tracked) / count by (namespace) (up)) "
				+ "and on (namespace) (x_total offset 5m > 1)"))
			.containsExactlyInAnyOrder("gateway_poll_tracked", "up", "x_total");
		assertThat(MonitoringFiles.seriesNames("deriv(max by (namespace) (gateway_pairings_pending)[30m:1m]) > 0"))
			.containsExactly("gateway_pairings_pending");
	}

	/** Names as exposed, with a histogram's or summary's _bucket/_count/_sum series under its own name too. */
	private Set<String> exposedSeriesNames() {
		Api.Response response = this.api.get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		Set<String> names = new HashSet<>();
		for (String line : response.body().split("\n")) {
			if (line.startsWith("# TYPE ")) {
				String[] parts = line.split(" ");
				names.add(parts[2]);
				if (parts[3].equals("histogram") || parts[3].equals("summary")) {
					names.addAll(List.of(parts[2] + "_bucket", parts[2] + "_count", parts[2] + "_sum"));
				}
			}
			else if (!line.startsWith("#") && !line.isBlank()) {
				names.add(line.split("[{ ]")[0]);
			}
		}
		return names;
	}

	private void makeLazilyRegisteredMetersAppear() {
		String model = newModel();
		String station = newKey("STATION");
		// Paired, then Frame.io refuses the refresh token: gateway_tokens_refreshes_total{outcome="reauth_required"}.
		Paired reauth = pairDevice(model, station);
		String deviceKey = deviceKey(station, reauth);
		this.clock.advance(Duration.between(this.clock.instant(), accessTokenExpiresAt(reauth.deviceId())));
		this.simulator.inject(Fault.error("token_refresh", reauth.deviceId(), "invalid_grant"));
		Api.Response refused = this.api.as(deviceKey)
			.post("/api/v1/devices/" + reauth.deviceId() + "/access-token", null);
		assertThat(refused.code()).as(refused.body()).isEqualTo("reauthorization_required");
		// Revoked, and Frame.io refuses the revocation: gateway_tokens_revocations_total{outcome="failed"}.
		String revoked = pairDevice(model, station).deviceId();
		this.simulator.inject(Fault.error("revoke", revoked, "invalid_grant"));
		assertThat(admin().post("/api/v1/devices/" + revoked + "/revoke", null).status()).isEqualTo(200);
		// A key over its limit (the test profile gives this name 3 requests): gateway_rate_limit_refused_total.
		String probeKey = admin()
			.post("/api/v1/api-keys", "{\"name\": \"rate-limit-probe\", \"role\": \"STATION\"}")
			.json()
			.path("key")
			.asString();
		Api probe = this.api.as(probeKey);
		String path = "/api/v1/pairings/" + UUID.randomUUID();
		for (int i = 0; i < 4; i++) {
			probe.get(path);
		}
	}

	private record Paired(String deviceId, String pairingId) {
	}

	/** A device paired through the API: started by the station, approved in Frame.io, polled. */
	private Paired pairDevice(String model, String station) {
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String pairingId = started.path("id").asString();
		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");
		return new Paired(deviceId, pairingId);
	}

	private String deviceKey(String station, Paired paired) {
		Api.Response response = this.api.as(station)
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json().path("deviceKey").asString();
	}

	private Instant accessTokenExpiresAt(String deviceId) {
		return this.jdbc.sql("select access_token_expires_at from device where device_id = ?")
			.param(deviceId)
			.query(OffsetDateTime.class)
			.single()
			.toInstant();
	}

}
